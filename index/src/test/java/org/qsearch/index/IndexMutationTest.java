package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.ImageFeatures;

/** Updates replace whole blocks, deletes remove them, and both show after a refresh. */
class IndexMutationTest {
    @TempDir
    Path dir;
    private final SyntheticCorpus corpus = new SyntheticCorpus(3, 8);

    @Test
    void updateReplacesTheBlockAndDeleteRemovesIt() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.STORED))) {
            List<ImageRecord> images = SyntheticCorpus.images(corpus, 30, true);
            for (ImageRecord image : images) {
                writer.putImage(image);
            }
            writer.commit();
            LuceneIndex searcher = writer.index();
            searcher.refresh();

            ImageFeatures replacement = corpus.image(true);
            ImageRecord updated = SyntheticCorpus.record("img-5", replacement, "{\"version\":2}");
            writer.putImage(updated);
            float[] nearReplacement = replacement.query(0);
            assertTrue(searcher.searchImages(nearReplacement, SearchRequest.top(30).exactly()).stream()
                    .filter(h -> h.id().equals("img-5")).allMatch(h -> h.metadataJson().equals("{}")),
                    "not visible before refresh");

            writer.refresh();
            assertEquals(30, searcher.imageCount(), "no duplicate block");
            for (SearchRequest request : List.of(SearchRequest.top(30).exactly(), SearchRequest.top(30))) {
                List<ImageHit> hits = searcher.searchImages(nearReplacement, request);
                List<ImageHit> img5 = hits.stream().filter(h -> h.id().equals("img-5")).toList();
                assertEquals(1, img5.size(), "one hit per id");
                assertEquals(replacement.itc(nearReplacement), img5.getFirst().score(), 1e-5, "the new vectors");
                assertEquals(1f, img5.getFirst().score(), 1e-5);
                assertEquals("{\"version\":2}", img5.getFirst().metadataJson());
                assertEquals(hits.size(), hits.stream().map(ImageHit::id).distinct().count());
            }
            ImageHit img5 = searcher.searchImages(nearReplacement, SearchRequest.top(1)).getFirst();
            float[] tokens = searcher.imageTokens(img5);
            for (int i = 0; i < tokens.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(replacement.imageTokens()[i])), tokens[i], 0f,
                        "the new features");
            }

            writer.deleteImage("img-5");
            writer.refresh();
            assertEquals(29, searcher.imageCount());
            for (SearchRequest request : List.of(SearchRequest.top(30).exactly(), SearchRequest.top(30))) {
                assertTrue(searcher.searchImages(nearReplacement, request).stream().noneMatch(h -> h.id().equals("img-5")));
            }
        }
    }

    @Test
    void textsUpdateAndDelete() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            ImageFeatures image = corpus.image(false);
            writer.putText(new TextRecord("t", "old", corpus.text(), null, null));
            writer.putText(new TextRecord("t", "new", image.query(3), "img-1", null));
            writer.putText(new TextRecord("other", "other", corpus.text(), null, null));
            writer.refresh();
            LuceneIndex searcher = writer.index();
            assertEquals(2, searcher.textCount());
            TextHit best = searcher.searchTexts(image, SearchRequest.top(2)).getFirst();
            assertEquals("new", best.text());
            assertEquals("img-1", best.imageId());
            assertEquals(3, best.bestQueryIndex());
            assertEquals(1f, best.score(), 1e-5);

            writer.deleteText("t");
            writer.refresh();
            assertEquals(List.of("other"), searcher.searchTexts(image, SearchRequest.top(2)).stream().map(TextHit::id).toList());
        }
    }

    @Test
    void imagesAndTextsHaveSeparateIds() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            writer.putImage(SyntheticCorpus.record("same", corpus.image(false), null));
            writer.putText(new TextRecord("same", "a text", corpus.text(), null, null));
            writer.deleteText("same");
            writer.refresh();
            assertEquals(1, writer.index().imageCount());
            assertEquals(0, writer.index().textCount());
        }
    }

    @Test
    void rejectsVectorsTheIndexCannotHold() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            float[] unnormalized = new float[SyntheticCorpus.DIM];
            unnormalized[0] = 2;
            assertThrows(IllegalArgumentException.class,
                    () -> writer.putText(new TextRecord("x", "x", unnormalized, null, null)));
            assertThrows(IllegalArgumentException.class,
                    () -> writer.putText(new TextRecord("x", "x", new float[] {1, 0}, null, null)));
            ImageFeatures wrongShape = new ImageFeatures(new float[0], new float[16 * SyntheticCorpus.DIM], 16, SyntheticCorpus.DIM);
            assertThrows(IllegalArgumentException.class,
                    () -> writer.putImage(SyntheticCorpus.record("x", wrongShape, null)));
            assertThrows(IllegalArgumentException.class,
                    () -> writer.putImage(SyntheticCorpus.record("x", corpus.image(false), "[1, 2]")), "metadata must be an object");
            assertThrows(IllegalArgumentException.class,
                    () -> writer.commit(Map.of(LuceneIndexWriter.FEATURES_END_KEY, "0")), "reserved key");
        }
    }
}
