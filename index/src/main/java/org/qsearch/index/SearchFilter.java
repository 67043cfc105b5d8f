package org.qsearch.index;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;

/**
 * A metadata filter: a document matches when, for every key, its metadata has one of the
 * listed values for that key (AND across keys, OR within a key). Values compare as keywords,
 * exactly as they are spelled in the metadata JSON ("42", "true", "beach"). A filter holds at
 * most {@link #MAX_KEYS} keys (each one a clause of the query, under Lucene's clause limit) and
 * {@link #MAX_VALUES} values in all, so that no request can make filtering expensive.
 */
public record SearchFilter(Map<String, Set<String>> metadata) {
    public static final int MAX_KEYS = 64;
    public static final int MAX_VALUES = 1024;
    public static final SearchFilter NONE = new SearchFilter(Map.of());

    public SearchFilter {
        if (metadata.size() > MAX_KEYS) {
            throw new IllegalArgumentException("the filter has " + metadata.size() + " keys; the limit is " + MAX_KEYS);
        }
        int total = 0;
        for (Map.Entry<String, Set<String>> e : metadata.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("filter on \"" + e.getKey() + "\" lists no values");
            }
            total += e.getValue().size();
        }
        if (total > MAX_VALUES) {
            throw new IllegalArgumentException("the filter lists " + total + " values; the limit is " + MAX_VALUES);
        }
        metadata = Map.copyOf(metadata);
    }

    /** The filter of these keys and their values, built once (duplicate values count once). */
    public static SearchFilter of(Map<String, ? extends List<String>> valuesByKey) {
        Map<String, Set<String>> metadata = new LinkedHashMap<>();
        valuesByKey.forEach((key, values) -> metadata.put(key, Set.copyOf(values)));
        return new SearchFilter(metadata);
    }

    public static SearchFilter metadata(String key, String... values) {
        return NONE.and(key, values);
    }

    public SearchFilter and(String key, String... values) {
        Map<String, Set<String>> combined = new LinkedHashMap<>(metadata);
        combined.put(key, Set.copyOf(List.of(values)));
        return new SearchFilter(combined);
    }

    public boolean isEmpty() {
        return metadata.isEmpty();
    }

    /** The documents of one type ({@code docType}) that pass the filter. */
    Query restrict(Query docType) {
        BooleanQuery.Builder query = new BooleanQuery.Builder().add(docType, BooleanClause.Occur.FILTER);
        metadata.forEach((key, values) -> query.add(new TermInSetQuery(IndexSchema.META_PREFIX + key,
                values.stream().map(BytesRef::new).collect(Collectors.toCollection(ArrayList::new))),
                BooleanClause.Occur.FILTER));
        return query.build();
    }

    @Override
    public String toString() {
        return metadata.isEmpty() ? "no filter" : "metadata " + metadata.entrySet().stream()
                .map(e -> e.getKey() + " in " + List.copyOf(e.getValue())).collect(Collectors.joining(" and "));
    }
}
