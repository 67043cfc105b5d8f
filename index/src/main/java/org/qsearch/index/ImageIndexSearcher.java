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
import org.qsearch.encoder.ImageFeatures;

/**
 * Searches an index: text to images, image to texts, image to images.
 *
 * <p>Each search gathers candidates with HNSW, over-fetching {@link SearchRequest#candidates()}
 * per kNN query, then rescores every candidate exactly with all its stored vectors and sorts by
 * the exact score. The graph holds only some of an image's vectors ({@link GraphMembership});
 * rescoring reads all of them, kept together on the image's parent document ({@link IndexSchema}).
 * {@link SearchRequest#exact()} skips HNSW and scores every document.
 *
 * <p>Similarities (all plain dot products of normalized ITC vectors, as BLIP-2 defines them):
 * <ul>
 *   <li>text to image: max over the image's query vectors of dot(query, text);</li>
 *   <li>image to text: max over the query image's vectors of dot(query, text);</li>
 *   <li>image to image: max over the query image's vectors and over the candidate's vectors of
 *       their dot product: the best-matching pair of query tokens. BLIP-2 defines no
 *       image-image score; this one is symmetric and reduces to the ITC max when either side
 *       has a single vector.</li>
 * </ul>
 *
 * <p>Metadata filters are applied before the graph search (as the kNN query's filter), so a
 * filtered search returns min(k, matching documents) results. For images the filter matches
 * parents and is mapped to their children with a {@link ToChildBlockJoinQuery}, so the
 * filterable fields live on the parent only.
 */
public final class ImageIndexSearcher implements Closeable {
    private final SearcherManager searchers;
    private final IndexSettings settings;
    private final FeatureStore features;
    private final Closeable resources;
    private final BitSetProducer blockBoundaries = new QueryBitSetProducer(IndexSchema.blockBoundaries());
    private final ExactItcScorer scorer;

    /** @param resources what closing this searcher must close (nothing when the writer owns them) */
    ImageIndexSearcher(SearcherManager searchers, IndexSettings settings, FeatureStore features, Closeable resources) {
        this.searchers = searchers;
        this.settings = settings;
        this.features = features;
        this.resources = resources;
        this.scorer = new ExactItcScorer(settings.numQueries(), settings.embedDim());
    }

    /** Opens the last commit of an index read-only; {@link #refresh()} picks up later commits. */
    public static ImageIndexSearcher open(Path dir) throws IOException {
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
        return new ImageIndexSearcher(searchers, settings, features,
                () -> IOUtils.close(searchers, features, directory));
    }

    public IndexSettings settings() {
        return settings;
    }

    /** Makes the latest changes visible (the writer's uncommitted ones too, when opened from a writer). */
    public void refresh() throws IOException {
        searchers.maybeRefreshBlocking();
    }

    /** The user data of the commit this searcher sees (for instance the bulk indexer's input root). */
    public Map<String, String> commitUserData() throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return Map.copyOf(((DirectoryReader) searcher.getIndexReader()).getIndexCommit().getUserData());
        } finally {
            searchers.release(searcher);
        }
    }

    public int imageCount() throws IOException {
        return count(IndexSchema.images());
    }

    public int textCount() throws IOException {
        return count(IndexSchema.texts());
    }

    /** Images for a normalized ITC text embedding. */
    public List<ImageHit> searchImages(float[] textEmbedding, SearchRequest request) throws IOException {
        return searchImages(textEmbedding, request, new SearchTrace());
    }

    /** As {@link #searchImages(float[], SearchRequest)}, recording its time in {@code trace}. */
    public List<ImageHit> searchImages(float[] textEmbedding, SearchRequest request, SearchTrace trace)
            throws IOException {
        checkWidth(textEmbedding.length);
        return searchImageVectors(new float[][] {textEmbedding}, request, trace);
    }

    /** Images similar to an image (see the class comment for the score). {@code bestQueryIndex} is the hit's own query index. */
    public List<ImageHit> searchSimilarImages(ImageFeatures image, SearchRequest request) throws IOException {
        return searchSimilarImages(image, request, new SearchTrace());
    }

    /** As {@link #searchSimilarImages(ImageFeatures, SearchRequest)}, recording its time in {@code trace}. */
    public List<ImageHit> searchSimilarImages(ImageFeatures image, SearchRequest request, SearchTrace trace)
            throws IOException {
        return searchImageVectors(queryVectors(image), request, trace);
    }

    /** Texts for an image. {@code bestQueryIndex} is the query image's vector that matched. */
    public List<TextHit> searchTexts(ImageFeatures image, SearchRequest request) throws IOException {
        return searchTexts(image, request, new SearchTrace());
    }

    /** As {@link #searchTexts(ImageFeatures, SearchRequest)}, recording its time in {@code trace}. */
    public List<TextHit> searchTexts(ImageFeatures image, SearchRequest request, SearchTrace trace) throws IOException {
        float[][] queries = queryVectors(image);
        IndexSearcher searcher = searchers.acquire();
        try {
            long start = System.nanoTime();
            Query texts = request.filter().restrict(IndexSchema.texts());
            int[] candidates;
            if (request.exact()) {
                candidates = matchingDocs(searcher, texts);
            } else {
                Query knnFilter = request.filter().isEmpty() ? null : texts;
                TreeSet<Integer> union = new TreeSet<>();
                for (float[] query : queries) {
                    Query knn = new KnnFloatVectorQuery(IndexSchema.TEXT_VECTOR, query, request.candidates(), knnFilter);
                    for (ScoreDoc hit : searcher.search(knn, request.candidates()).scoreDocs) {
                        union.add(hit.doc);
                    }
                }
                candidates = union.stream().mapToInt(Integer::intValue).toArray();
            }
            trace.addCandidates(System.nanoTime() - start);
            List<ExactItcScorer.ScoredDoc> best = top(scorer.scoreTexts(searcher, candidates, queries), request.k());
            StoredFields stored = searcher.storedFields();
            List<TextHit> hits = new ArrayList<>(best.size());
            for (ExactItcScorer.ScoredDoc doc : best) {
                hits.add(IndexSchema.textHit(stored.document(doc.doc()), doc.score(), doc.queryIndex()));
            }
            return hits;
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * The stored fields of one image, or empty when the id is not indexed. The hit carries no
     * score ({@code NaN}) nor best query index ({@code -1}): this is a lookup, not a search.
     */
    public Optional<ImageHit> findImage(String id) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            int parent = imageParent(searcher, id);
            return parent < 0 ? Optional.empty()
                    : Optional.of(IndexSchema.imageHit(searcher.storedFields().document(parent), Float.NaN, -1));
        } finally {
            searchers.release(searcher);
        }
    }

    /** One stored text (no score, as {@link #findImage}), or empty when the id is not indexed. */
    public Optional<TextHit> findText(String id) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            int[] docs = matchingDocs(searcher, new BooleanQuery.Builder()
                    .add(IndexSchema.texts(), BooleanClause.Occur.FILTER)
                    .add(new TermQuery(IndexSchema.textIdTerm(id)), BooleanClause.Occur.FILTER)
                    .build());
            return docs.length == 0 ? Optional.empty()
                    : Optional.of(IndexSchema.textHit(searcher.storedFields().document(docs[docs.length - 1]), Float.NaN, -1));
        } finally {
            searchers.release(searcher);
        }
    }

    /** Visits every live image (no score, as {@link #findImage}), in index order. */
    public void forEachImage(Consumer<ImageHit> visitor) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            StoredFields stored = searcher.storedFields();
            for (int parent : matchingDocs(searcher, IndexSchema.images())) {
                visitor.accept(IndexSchema.imageHit(stored.document(parent), Float.NaN, -1));
            }
        } finally {
            searchers.release(searcher);
        }
    }

    /** Whether a live image has this URI (several ids may name one file). */
    public boolean anyImageAt(String uri) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return matchingDocs(searcher, new BooleanQuery.Builder()
                    .add(IndexSchema.images(), BooleanClause.Occur.FILTER)
                    .add(new TermQuery(new Term(IndexSchema.URI, uri)), BooleanClause.Occur.FILTER)
                    .build()).length > 0;
        } finally {
            searchers.release(searcher);
        }
    }

    /** Visits every live text (no score, as {@link #findImage}), in index order. */
    public void forEachText(Consumer<TextHit> visitor) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            StoredFields stored = searcher.storedFields();
            for (int doc : matchingDocs(searcher, IndexSchema.texts())) {
                visitor.accept(IndexSchema.textHit(stored.document(doc), Float.NaN, -1));
            }
        } finally {
            searchers.release(searcher);
        }
    }

    /** The ITC query vectors an image was indexed with, in query order, or empty when the id is not indexed. */
    public Optional<float[][]> queryVectors(String id) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            int parent = imageParent(searcher, id);
            if (parent < 0) {
                return Optional.empty();
            }
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(parent, leaves));
            return Optional.of(scorer.imageVectors(leaf, parent - leaf.docBase));
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * Off-heap bytes of the image vectors, by Lucene file extension ("vex": the HNSW graph, "vec":
     * float vectors, "veq": quantized ones), summed over segments: what searches map into memory.
     */
    public Map<String, Long> imageVectorBytes() throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            Map<String, Long> bytes = new TreeMap<>();
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                FieldInfo field = leaf.reader().getFieldInfos().fieldInfo(IndexSchema.IMAGE_VECTOR);
                if (field != null && leaf.reader() instanceof CodecReader codec) {
                    codec.getVectorReader().getOffHeapByteSize(field).forEach((ext, n) -> bytes.merge(ext, n, Long::sum));
                }
            }
            return bytes;
        } finally {
            searchers.release(searcher);
        }
    }

    public boolean featuresAvailable() {
        return features != null;
    }

    /** The stored trunk tokens (T x Dv, row-major, fp16 precision) of a hit, for reranking. */
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

    private List<ImageHit> searchImageVectors(float[][] queries, SearchRequest request, SearchTrace trace)
            throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            long start = System.nanoTime();
            Query parents = request.filter().restrict(IndexSchema.images());
            int[] candidates = request.exact()
                    ? matchingDocs(searcher, parents)
                    : nearestImages(searcher, queries, parents, request);
            trace.addCandidates(System.nanoTime() - start);
            List<ExactItcScorer.ScoredDoc> best = top(scorer.scoreImages(searcher, candidates, queries), request.k());
            StoredFields stored = searcher.storedFields();
            List<ImageHit> hits = new ArrayList<>(best.size());
            for (ExactItcScorer.ScoredDoc doc : best) {
                hits.add(IndexSchema.imageHit(stored.document(doc.doc()), doc.score(), doc.queryIndex()));
            }
            return hits;
        } finally {
            searchers.release(searcher);
        }
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

    /** The global doc id of the live parent of image {@code id}, or -1. */
    private static int imageParent(IndexSearcher searcher, String id) throws IOException {
        Query query = new BooleanQuery.Builder()
                .add(IndexSchema.images(), BooleanClause.Occur.FILTER)
                .add(new TermQuery(IndexSchema.imageIdTerm(id)), BooleanClause.Occur.FILTER)
                .build();
        int[] docs = matchingDocs(searcher, query);
        return docs.length == 0 ? -1 : docs[docs.length - 1];
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

    private float[][] queryVectors(ImageFeatures image) {
        checkWidth(image.embedDim());
        float[][] queries = new float[image.numQueries()][];
        for (int q = 0; q < queries.length; q++) {
            queries[q] = image.query(q);
        }
        return queries;
    }

    private void checkWidth(int width) {
        if (width != settings.embedDim()) {
            throw new IllegalArgumentException("query vectors have width " + width + ", the index holds "
                    + settings.embedDim());
        }
    }

    private int count(Query query) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.count(query);
        } finally {
            searchers.release(searcher);
        }
    }
}
