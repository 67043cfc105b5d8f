package org.qsearch.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.qsearch.encoder.ImageFeatures;

/**
 * A collection's index as everything above the store reads it: the query pipeline, the writers'
 * lookups, the commands. This is the seam a second backend implements (a cluster holding the same
 * documents); {@link LuceneIndex} is the first. Scores are exact BLIP-2 ITC similarities (plain
 * dot products of normalized vectors), whatever finds the candidates.
 *
 * <p>A search gathers candidates by approximate nearest neighbours, {@link SearchRequest#candidates()}
 * per query vector, with the request's metadata filter applied before the neighbour search (so a
 * filtered search still returns min(k, matching documents) results), or takes every matching
 * document when the request is {@link SearchRequest#exact()}; then it rescores every candidate
 * exactly with all of its stored vectors and returns the best k, best first:
 * <ul>
 *   <li>to images: the max over the query vectors and over the image's vectors of their dot
 *       product (one query vector for a text; an image's own for image to image: the
 *       best-matching pair of query tokens, symmetric, the ITC max when either side has one);</li>
 *   <li>to texts: the max over the query vectors of the dot product with the text's vector.</li>
 * </ul>
 * The query vectors must be L2-normalized and as wide as {@link IndexSettings#embedDim()}
 * (IllegalArgumentException otherwise).
 */
public interface CollectionIndex extends Closeable {
    /** Opens the index at {@code dir} read-only, as of its last commit; {@link #refresh()} picks up later ones. */
    static CollectionIndex open(Path dir) throws IOException {
        return LuceneIndex.open(dir);
    }

    /** The settings the index was created with. */
    IndexSettings settings();

    int imageCount() throws IOException;

    int textCount() throws IOException;

    /** Images for query vectors (see the class comment); {@code trace} gets the candidate-gathering time. */
    List<ImageHit> searchImages(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException;

    /** Texts for query vectors (see the class comment); {@code bestQueryIndex} indexes {@code queries}. */
    List<TextHit> searchTexts(float[][] queries, SearchRequest request, SearchTrace trace) throws IOException;

    /**
     * The stored fields of one image, or empty when the id is not indexed. The hit carries no
     * score ({@code NaN}) nor best query index ({@code -1}): this is a lookup, not a search.
     */
    Optional<ImageHit> findImage(String id) throws IOException;

    /** One stored text (no score, as {@link #findImage}), or empty when the id is not indexed. */
    Optional<TextHit> findText(String id) throws IOException;

    /** Whether a live image has this URI (several ids may name one file). */
    boolean anyImageAt(String uri) throws IOException;

    /** The ITC query vectors an image was indexed with, in query order, or empty when the id is not indexed. */
    Optional<float[][]> queryVectors(String id) throws IOException;

    /**
     * The stored trunk tokens (T x Dv, row-major, fp16 precision) of a hit, for reranking and
     * captions.
     *
     * @throws IllegalStateException when the index keeps none ({@link FeatureMode#RECOMPUTE})
     */
    float[] imageTokens(ImageHit hit) throws IOException;

    /** Visits every live image (no score, as {@link #findImage}), in index order. */
    void forEachImage(Consumer<ImageHit> visitor) throws IOException;

    /** Visits every live text (no score, as {@link #findImage}), in index order. */
    void forEachText(Consumer<TextHit> visitor) throws IOException;

    /** What the commit this index sees recorded beside its documents (a bulk run's input root, for one). */
    Map<String, String> commitUserData() throws IOException;

    /** Makes the latest commit visible (a writer's uncommitted changes too, for {@link CollectionIndexWriter#index()}). */
    void refresh() throws IOException;

    /** The folder the indexed URIs are relative to, as the last bulk run recorded it, or empty. */
    default Optional<Path> collectionRoot() throws IOException {
        return Optional.ofNullable(commitUserData().get(CollectionIndexWriter.COLLECTION_ROOT_KEY)).map(Path::of);
    }

    /** Images for a normalized ITC text embedding. */
    default List<ImageHit> searchImages(float[] textEmbedding, SearchRequest request) throws IOException {
        return searchImages(new float[][] {textEmbedding}, request, new SearchTrace());
    }

    /** Images like an image (its query vectors against theirs). */
    default List<ImageHit> searchSimilarImages(ImageFeatures image, SearchRequest request) throws IOException {
        return searchImages(queryVectors(image), request, new SearchTrace());
    }

    /** Texts for an image's query vectors. */
    default List<TextHit> searchTexts(ImageFeatures image, SearchRequest request) throws IOException {
        return searchTexts(queryVectors(image), request, new SearchTrace());
    }

    /** An image's ITC query vectors, one row per query. */
    static float[][] queryVectors(ImageFeatures image) {
        float[][] queries = new float[image.numQueries()][];
        for (int q = 0; q < queries.length; q++) {
            queries[q] = image.query(q);
        }
        return queries;
    }
}
