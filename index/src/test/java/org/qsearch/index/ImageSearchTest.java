package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.ImageFeatures;

/** All three searches against ground truth computed straight from the synthetic vectors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageSearchTest {
    private static final int IMAGES = 120;
    private static final int TEXTS = 150;
    private static final float TOLERANCE = 1e-5f;

    private final SyntheticCorpus corpus = new SyntheticCorpus(7, 12);
    private final List<ImageRecord> images = new ArrayList<>();
    private final List<TextRecord> texts = new ArrayList<>();
    private LuceneIndexWriter writer;
    private LuceneIndex searcher;

    @BeforeAll
    void buildIndex(@TempDir Path dir) throws IOException {
        writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE));
        for (int i = 0; i < IMAGES; i++) {
            ImageRecord image = SyntheticCorpus.record("img-" + i, corpus.image(false), null);
            images.add(image);
            writer.putImage(image);
            if (i == IMAGES / 2) {
                writer.refresh(); // flushes a segment: searches must work across several
            }
        }
        for (int i = 0; i < TEXTS; i++) {
            TextRecord text = new TextRecord("txt-" + i, "text " + i, corpus.text(), i % 3 == 0 ? "img-" + i : null, null);
            texts.add(text);
            writer.putText(text);
        }
        writer.refresh();
        searcher = writer.index();
    }

    @AfterAll
    void close() throws IOException {
        writer.close();
    }

    @Test
    void textToImagesMatchesBruteForceMaxOver32() throws IOException {
        for (int t = 0; t < 10; t++) {
            float[] text = corpus.text();
            List<String> truth = SyntheticCorpus.exactImageRanking(images, text, 10);
            for (SearchRequest request : List.of(SearchRequest.top(10).exactly(), SearchRequest.top(10).withCandidates(IMAGES))) {
                List<ImageHit> hits = searcher.searchImages(text, request);
                assertEquals(truth, hits.stream().map(ImageHit::id).toList(), request.toString());
                for (ImageHit hit : hits) {
                    ImageFeatures features = byId(hit.id()).features();
                    assertEquals(features.itc(text), hit.score(), TOLERANCE, "score is the exact ITC of " + hit.id());
                    assertEquals(features.itc(text), dot(features.query(hit.bestQueryIndex()), text), TOLERANCE,
                            "bestQueryIndex points at the query that gives the score");
                }
            }
        }
    }

    @Test
    void hitsCarryTheStoredImageFields() throws IOException {
        ImageHit hit = searcher.searchImages(corpus.text(), SearchRequest.top(1)).getFirst();
        ImageRecord image = byId(hit.id());
        assertEquals(image.uri(), hit.uri());
        assertEquals(image.captions(), hit.captions());
        assertEquals(image.indexedAt(), hit.indexedAt());
        assertEquals(image.width(), hit.width());
        assertEquals(image.contentHash(), hit.contentHash());
        assertEquals(null, hit.features(), "recompute mode stores no feature address");
    }

    @Test
    void imageToTextsMatchesBruteForce() throws IOException {
        for (int i = 0; i < 5; i++) {
            ImageFeatures query = corpus.image(false);
            List<TextRecord> truth = texts.stream()
                    .sorted(Comparator.comparingDouble((TextRecord r) -> -query.itc(r.embedding()))).limit(10).toList();
            for (SearchRequest request : List.of(SearchRequest.top(10).exactly(), SearchRequest.top(10).withCandidates(TEXTS))) {
                List<TextHit> hits = searcher.searchTexts(query, request);
                assertEquals(truth.stream().map(TextRecord::id).toList(), hits.stream().map(TextHit::id).toList());
                for (int r = 0; r < hits.size(); r++) {
                    TextHit hit = hits.get(r);
                    assertEquals(query.itc(truth.get(r).embedding()), hit.score(), TOLERANCE);
                    assertEquals(hit.score(), dot(query.query(hit.bestQueryIndex()), truth.get(r).embedding()), TOLERANCE);
                    assertEquals(truth.get(r).imageId(), hit.imageId());
                }
            }
        }
    }

    @Test
    void imageToImagesMatchesBruteForce() throws IOException {
        ImageFeatures query = corpus.image(false);
        List<ImageRecord> truth = images.stream()
                .sorted(Comparator.comparingDouble(
                        (ImageRecord r) -> -SyntheticCorpus.maxDot(query.queryEmbeds(), r.features().queryEmbeds())))
                .limit(10).toList();
        for (SearchRequest request : List.of(SearchRequest.top(10).exactly(), SearchRequest.top(10).withCandidates(IMAGES))) {
            List<ImageHit> hits = searcher.searchSimilarImages(query, request);
            assertEquals(truth.stream().map(ImageRecord::id).toList(), hits.stream().map(ImageHit::id).toList());
            for (int r = 0; r < hits.size(); r++) {
                assertEquals(SyntheticCorpus.maxDot(query.queryEmbeds(), truth.get(r).features().queryEmbeds()),
                        hits.get(r).score(), TOLERANCE);
            }
        }
        // an indexed image finds itself first, with its best self-similarity (each query vector with itself: 1)
        ImageRecord indexed = images.get(17);
        ImageHit self = searcher.searchSimilarImages(indexed.features(), SearchRequest.top(1)).getFirst();
        assertEquals(indexed.id(), self.id());
        assertEquals(1f, self.score(), TOLERANCE);
    }

    @Test
    void counts() throws IOException {
        assertEquals(IMAGES, searcher.imageCount());
        assertEquals(TEXTS, searcher.textCount());
    }

    private ImageRecord byId(String id) {
        return images.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    private static float dot(float[] a, float[] b) {
        float dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
