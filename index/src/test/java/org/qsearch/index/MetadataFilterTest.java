package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filters run before the graph search, so they never starve the result list. */
class MetadataFilterTest {
    @TempDir
    Path dir;

    @Test
    void filteredSearchesReturnFullCounts() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(11, 5);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            for (int i = 0; i < 50; i++) {
                String group = i < 3 ? "rare" : i < 23 ? "common" : "other";
                String json = "{\"group\":\"" + group + "\",\"year\":" + (2000 + i % 2) + ",\"tags\":[\"t" + i + "\",\"all\"],"
                        + "\"nested\":{\"group\":\"rare\"}}";
                writer.putImage(SyntheticCorpus.record("img-" + i, corpus.image(false), json));
                writer.putText(new TextRecord("txt-" + i, "text", corpus.text(), null, "{\"group\":\"" + group + "\"}"));
            }
            writer.refresh();
            LuceneIndex searcher = writer.index();
            float[] text = corpus.text();
            for (SearchRequest request : List.of(SearchRequest.top(10).withCandidates(10), SearchRequest.top(10).exactly())) {
                List<ImageHit> rare = searcher.searchImages(text, request.withFilter(SearchFilter.metadata("group", "rare")));
                assertEquals(List.of("img-0", "img-1", "img-2"), rare.stream().map(ImageHit::id).sorted().toList());

                List<ImageHit> common = searcher.searchImages(text, request.withFilter(SearchFilter.metadata("group", "common")));
                assertEquals(10, common.size());
                assertTrue(common.stream().allMatch(h -> h.metadataJson().contains("\"group\":\"common\"")));

                // numbers match as spelled, keys AND, values OR
                SearchFilter evenCommonOrRare = SearchFilter.metadata("group", "common", "rare").and("year", "2000");
                List<ImageHit> even = searcher.searchImages(text, request.withFilter(evenCommonOrRare));
                assertEquals(10, even.size());
                assertTrue(even.stream().allMatch(h -> Integer.parseInt(h.id().substring(4)) % 2 == 0
                        && Integer.parseInt(h.id().substring(4)) < 23));

                assertEquals(List.of("img-7"), searcher.searchImages(text, request.withFilter(SearchFilter.metadata("tags", "t7")))
                        .stream().map(ImageHit::id).toList(), "array elements are keywords");
                assertEquals(3, searcher.searchSimilarImages(corpus.image(false),
                        request.withFilter(SearchFilter.metadata("group", "rare"))).size());
                assertEquals(3, searcher.searchTexts(corpus.image(false),
                        request.withFilter(SearchFilter.metadata("group", "rare"))).size());
                assertEquals(0, searcher.searchImages(text, request.withFilter(SearchFilter.metadata("group", "none"))).size());
            }
        }
    }

    @Test
    void filtersAreCappedInKeysAndValues() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (int i = 0; i <= SearchFilter.MAX_KEYS; i++) {
            keys.put("k" + i, List.of("v"));
        }
        IllegalArgumentException tooManyKeys = assertThrows(IllegalArgumentException.class, () -> SearchFilter.of(keys));
        assertTrue(tooManyKeys.getMessage().contains("limit is " + SearchFilter.MAX_KEYS), tooManyKeys.getMessage());
        keys.remove("k0");
        assertEquals(SearchFilter.MAX_KEYS, SearchFilter.of(keys).metadata().size());

        List<String> values = IntStream.rangeClosed(0, SearchFilter.MAX_VALUES).mapToObj(i -> "v" + i).toList();
        IllegalArgumentException tooManyValues = assertThrows(IllegalArgumentException.class,
                () -> SearchFilter.of(Map.of("k", values)));
        assertTrue(tooManyValues.getMessage().contains("limit is " + SearchFilter.MAX_VALUES), tooManyValues.getMessage());
        assertEquals(Set.of("a"), SearchFilter.of(Map.of("k", List.of("a", "a"))).metadata().get("k"), "duplicates count once");
    }
}
