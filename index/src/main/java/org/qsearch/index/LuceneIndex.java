package org.qsearch.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.Weight;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.DiversifyingChildrenFloatKnnVectorQuery;
import org.apache.lucene.search.join.QueryBitSetProducer;
import org.apache.lucene.search.join.ToChildBlockJoinQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.IOUtils;

/**
 * The Lucene store's {@link CollectionIndex}.
 *
 * <p>Candidates come from HNSW: for images a {@link DiversifyingChildrenFloatKnnVectorQuery} over
 * the child documents (the best child per parent), for texts a plain kNN query. The graph holds
 * only some of an image's vectors ({@link GraphMembership}); exact rescoring reads all of them,
 * kept together on the image's parent document ({@link IndexSchema}), through
 * {@link ExactItcScorer}. Metadata filters are the kNN query's filter; for images the filter
 * matches parents and is mapped to their children with a {@link ToChildBlockJoinQuery}, so the
 * filterable fields live on the parent only.
 */
public final class LuceneIndex implements CollectionIndex {
    private final SearcherManager searchers;
    private final IndexSettings settings;
    private final FeatureStore features;
    private final Closeable resources;
    private final BitSetProducer blockBoundaries = new QueryBitSetProducer(IndexSchema.blockBoundaries());
    private final ExactItcScorer scorer;

    /** @param resources what closing this index must close (nothing when the writer owns them) */
    LuceneIndex(SearcherManager searchers, IndexSettings settings, FeatureStore features, Closeable resources) {
        this.searchers = searchers;
        this.settings = settings;
        this.features = features;
        this.resources = resources;
        this.scorer = new ExactItcScorer(settings.numQueries(), settings.embedDim());
    }

    /** Opens the last commit of an index read-only; {@link #refresh()} picks up later commits. */
    public static LuceneIndex open(Path dir) throws IOException {
        IndexPaths paths = new IndexPaths(dir);
        IndexSettings settings = IndexSettingsFile.read(paths.settings()).orElseThrow(
                () -> new NoSuchFileException(dir.toString(), null, "not a qsearch index (no settings recorded)"));
        Directory directory = FSDirectory.open(paths.lucene());
        SearcherManager searchers;
        try {
            searchers = new SearcherManager(directory, null);
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
        FeatureStore features = settings.featureMode() == FeatureMode.STORED
                ? FeatureStore.openForReading(paths.features()) : null;
        return new LuceneIndex(searchers, settings, features, () -> IOUtils.close(searchers, features, directory));
    }

    @Override
    public IndexSettings settings() {
        return settings;
    }

    @Override
    public void refresh() throws IOException {
        searchers.maybeRefreshBlocking();
    }

    @Override
    public Map<String, String> commitUserData() throws IOException {
        return withSearcher(searcher ->
                Map.copyOf(((DirectoryReader) searcher.getIndexReader()).getIndexCommit().getUserData()));
    }

    @Override
    public int imageCount() throws IOException {
        return withSearcher(searcher -> searcher.count(IndexSchema.images()));
    }

    @Override
    public int textCount() throws IOException {
        return withSearcher(searcher -> searcher.count(IndexSchema.texts()));
    }

    @Override
    public List<ImageHit> searchImages(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException {
        settings.checkQueries(queries);
        return search(request, trace, request.filter().restrict(IndexSchema.images()),
                (searcher, parents) -> nearestImages(searcher, queries, parents, request),
                (searcher, docs) -> scorer.scoreImages(searcher, docs, queries), IndexSchema::imageHit);
    }

    @Override
    public List<TextHit> searchTexts(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException {
        settings.checkQueries(queries);
        return search(request, trace, request.filter().restrict(IndexSchema.texts()),
                (searcher, texts) -> nearestTexts(searcher, queries, texts, request),
                (searcher, docs) -> scorer.scoreTexts(searcher, docs, queries), IndexSchema::textHit);
    }

    @Override
    public Optional<ImageHit> findImage(String id) throws IOException {
        return withSearcher(searcher -> {
            int parent = imageParent(searcher, id);
            return parent < 0 ? Optional.empty()
                    : Optional.of(IndexSchema.imageHit(searcher.storedFields().document(parent), Float.NaN, -1));
        });
    }

    @Override
    public Optional<TextHit> findText(String id) throws IOException {
        return withSearcher(searcher -> {
            int[] docs = matchingDocs(searcher, both(IndexSchema.texts(), new TermQuery(IndexSchema.textIdTerm(id))));
            return docs.length == 0 ? Optional.empty()
                    : Optional.of(IndexSchema.textHit(searcher.storedFields().document(docs[docs.length - 1]), Float.NaN, -1));
        });
    }

    @Override
    public void forEachImage(Consumer<ImageHit> visitor) throws IOException {
        forEach(IndexSchema.images(), IndexSchema::imageHit, visitor);
    }

    @Override
    public boolean anyImageAt(String uri) throws IOException {
        return withSearcher(searcher ->
                matchingDocs(searcher, both(IndexSchema.images(), new TermQuery(new Term(IndexSchema.URI, uri)))).length > 0);
    }

    @Override
    public void forEachText(Consumer<TextHit> visitor) throws IOException {
        forEach(IndexSchema.texts(), IndexSchema::textHit, visitor);
    }

    @Override
    public Optional<float[][]> queryVectors(String id) throws IOException {
        return withSearcher(searcher -> {
            int parent = imageParent(searcher, id);
            if (parent < 0) {
                return Optional.empty();
            }
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(parent, leaves));
            return Optional.of(scorer.imageVectors(leaf, parent - leaf.docBase));
        });
    }

    /**
     * Off-heap bytes of the image vectors, by Lucene file extension ("vex": the HNSW graph, "vec":
     * float vectors, "veq": quantized ones), summed over segments: what searches map into memory.
     */
    public Map<String, Long> imageVectorBytes() throws IOException {
        return withSearcher(searcher -> {
            Map<String, Long> bytes = new TreeMap<>();
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                FieldInfo field = leaf.reader().getFieldInfos().fieldInfo(IndexSchema.IMAGE_VECTOR);
                if (field != null && leaf.reader() instanceof CodecReader codec) {
                    codec.getVectorReader().getOffHeapByteSize(field).forEach((ext, n) -> bytes.merge(ext, n, Long::sum));
                }
            }
            return bytes;
        });
    }

    @Override
    public float[] imageTokens(ImageHit hit) throws IOException {
        if (features == null || hit.features() == null) {
            throw new IllegalStateException("this index does not store image features (feature mode "
                    + settings.featureMode() + "): recompute them from " + hit.uri());
        }
        return features.read(hit.features());
    }

    @Override
    public void close() throws IOException {
        if (resources != null) {
            resources.close();
        }
    }

    /** Candidate doc ids (ascending) of the documents {@code matching}, from the graph. */
    private interface Candidates {
        int[] nearest(IndexSearcher searcher, Query matching) throws IOException;
    }

    /** Exact scores of candidate doc ids. */
    private interface ExactScores {
        List<ExactItcScorer.ScoredDoc> score(IndexSearcher searcher, int[] docs) throws IOException;
    }

    /** A hit from a document's stored fields. */
    private interface HitOf<H> {
        H of(Document doc, float score, int queryIndex);
    }

    /**
     * The one search of both kinds: gather candidates ({@code nearest}, or every matching document
     * when exact), rescore them exactly, and read the stored fields of the top k.
     */
    private <H> List<H> search(SearchRequest request, SearchTrace trace, Query matching, Candidates nearest,
                               ExactScores exact, HitOf<H> hit) throws IOException {
        return withSearcher(searcher -> {
            long start = System.nanoTime();
            int[] candidates = request.exact() ? matchingDocs(searcher, matching) : nearest.nearest(searcher, matching);
            trace.addCandidates(System.nanoTime() - start);
            List<ExactItcScorer.ScoredDoc> best = top(exact.score(searcher, candidates), request.k());
            StoredFields stored = searcher.storedFields();
            List<H> hits = new ArrayList<>(best.size());
            for (ExactItcScorer.ScoredDoc doc : best) {
                hits.add(hit.of(stored.document(doc.doc()), doc.score(), doc.queryIndex()));
            }
            return hits;
        });
    }

    /** Parent doc ids (ascending) of the images whose best child is among the k' nearest, for any query vector. */
    private int[] nearestImages(IndexSearcher searcher, float[][] queries, Query parents, SearchRequest request)
            throws IOException {
        Query childFilter = request.filter().isEmpty() ? null : new ToChildBlockJoinQuery(parents, blockBoundaries);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        TreeSet<Integer> union = new TreeSet<>();
        for (float[] query : queries) {
            Query knn = new DiversifyingChildrenFloatKnnVectorQuery(
                    IndexSchema.IMAGE_VECTOR, query, childFilter, request.candidates(), blockBoundaries);
            for (ScoreDoc child : searcher.search(knn, request.candidates()).scoreDocs) {
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(child.doc, leaves));
                union.add(leaf.docBase + blockBoundaries.getBitSet(leaf).nextSetBit(child.doc - leaf.docBase));
            }
        }
        return union.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Text doc ids (ascending) among the k' nearest of any query vector. */
    private static int[] nearestTexts(IndexSearcher searcher, float[][] queries, Query texts, SearchRequest request)
            throws IOException {
        Query knnFilter = request.filter().isEmpty() ? null : texts;
        TreeSet<Integer> union = new TreeSet<>();
        for (float[] query : queries) {
            Query knn = new KnnFloatVectorQuery(IndexSchema.TEXT_VECTOR, query, request.candidates(), knnFilter);
            for (ScoreDoc hit : searcher.search(knn, request.candidates()).scoreDocs) {
                union.add(hit.doc);
            }
        }
        return union.stream().mapToInt(Integer::intValue).toArray();
    }

    private <H> void forEach(Query docType, HitOf<H> hit, Consumer<H> visitor) throws IOException {
        withSearcher(searcher -> {
            StoredFields stored = searcher.storedFields();
            for (int doc : matchingDocs(searcher, docType)) {
                visitor.accept(hit.of(stored.document(doc), Float.NaN, -1));
            }
            return null;
        });
    }

    /** The global doc id of the live parent of image {@code id}, or -1. */
    private static int imageParent(IndexSearcher searcher, String id) throws IOException {
        int[] docs = matchingDocs(searcher, both(IndexSchema.images(), new TermQuery(IndexSchema.imageIdTerm(id))));
        return docs.length == 0 ? -1 : docs[docs.length - 1];
    }

    private static Query both(Query a, Query b) {
        return new BooleanQuery.Builder().add(a, BooleanClause.Occur.FILTER).add(b, BooleanClause.Occur.FILTER).build();
    }

    /** Every live document matching {@code query}, ascending. */
    private static int[] matchingDocs(IndexSearcher searcher, Query query) throws IOException {
        Weight weight = searcher.createWeight(searcher.rewrite(query), ScoreMode.COMPLETE_NO_SCORES, 1);
        List<Integer> docs = new ArrayList<>();
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            Scorer matches = weight.scorer(leaf);
            if (matches == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            DocIdSetIterator it = matches.iterator();
            for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                if (live == null || live.get(doc)) {
                    docs.add(leaf.docBase + doc);
                }
            }
        }
        return docs.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<ExactItcScorer.ScoredDoc> top(List<ExactItcScorer.ScoredDoc> scored, int k) {
        return scored.stream()
                .sorted(Comparator.comparingDouble((ExactItcScorer.ScoredDoc d) -> -d.score())
                        .thenComparingInt(ExactItcScorer.ScoredDoc::doc))
                .limit(k)
                .toList();
    }

    /** What runs on one acquired searcher. */
    private interface SearcherCall<T> {
        T call(IndexSearcher searcher) throws IOException;
    }

    /** Runs {@code call} on the current searcher, released afterwards whatever happens. */
    private <T> T withSearcher(SearcherCall<T> call) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return call.call(searcher);
        } finally {
            searchers.release(searcher);
        }
    }
}
