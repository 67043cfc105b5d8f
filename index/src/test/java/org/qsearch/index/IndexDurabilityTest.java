package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Settings recorded at creation, commits with user data, crash and rollback recovery. */
class IndexDurabilityTest {
    private static final long RECORD = FeatureStore.recordBytes(SyntheticCorpus.TOKENS, SyntheticCorpus.WIDTH);

    @TempDir
    Path dir;
    private final SyntheticCorpus corpus = new SyntheticCorpus(13, 6);

    @Test
    void settingsAreRecordedAndEnforced() throws IOException {
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.STORED).withVectorFormat(VectorFormat.INT4).withHnsw(8, 50);
        LuceneIndexWriter.open(dir, settings).close();
        assertEquals(settings, IndexSettingsFile.read(dir.resolve("qsearch-index.json")).orElseThrow());
        try (LuceneIndexWriter reopened = LuceneIndexWriter.open(dir)) {
            assertEquals(settings, reopened.settings());
        }
        LuceneIndexWriter.open(dir, settings).close();
        assertThrows(IndexSettingsConflictException.class, () -> LuceneIndexWriter.open(dir, settings.withHnsw(16, 50)));
        assertThrows(IndexSettingsConflictException.class,
                () -> LuceneIndexWriter.open(dir, settings.withVectorFormat(VectorFormat.INT8)));
        assertThrows(IndexSettingsConflictException.class,
                () -> LuceneIndexWriter.open(dir, settings.withFeatureMode(FeatureMode.RECOMPUTE)));
        try (LuceneIndex searcher = LuceneIndex.open(dir)) {
            assertEquals(settings, searcher.settings());
        }
        assertThrows(NoSuchFileException.class, () -> LuceneIndexWriter.open(dir.resolve("absent")));
        assertThrows(NoSuchFileException.class, () -> LuceneIndex.open(dir.resolve("absent")));
    }

    @Test
    void anIndexInAnotherLayoutMustBeRebuilt() throws IOException {
        IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, settings)) {
            writer.putImage(SyntheticCorpus.record("a", corpus.image(false), null));
        }
        Path file = dir.resolve("qsearch-index.json");
        String json = Files.readString(file);
        assertTrue(json.contains("\"layout\" : " + IndexSchema.LAYOUT), json);
        // as written before the layout was recorded: layout 1
        Files.writeString(file, json.replaceFirst("\"layout\" : \\d+,", ""));
        for (Executable open : List.<Executable>of(
                () -> LuceneIndexWriter.open(dir).close(), () -> LuceneIndexWriter.open(dir, settings).close(),
                () -> LuceneIndex.open(dir).close(), () -> IndexSettings.recorded(dir))) {
            IndexLayoutException e = assertThrows(IndexLayoutException.class, open);
            assertTrue(e.getMessage().contains("layout 1") && e.getMessage().contains("rebuild"), e.getMessage());
            assertEquals(dir, e.index());
        }
        Files.writeString(file, json.replaceFirst("\"layout\" : \\d+", "\"layout\" : " + (IndexSchema.LAYOUT + 1)));
        assertTrue(assertThrows(IndexLayoutException.class, () -> LuceneIndex.open(dir)).getMessage().contains("newer"));
    }

    @Test
    void commitUserDataSurvivesReopen() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.STORED))) {
            assertEquals(Map.of(), writer.committedUserData());
            writer.putImage(SyntheticCorpus.record("a", corpus.image(true), null));
            writer.commit(Map.of("progress", "1", "source", "manifest.jsonl"));
            writer.commit(Map.of("progress", "2"));
        }
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir)) {
            assertEquals(Map.of("progress", "2", "source", "manifest.jsonl"), writer.committedUserData());
        }
    }

    @Test
    void readOnlySearcherSeesCommitsAfterRefresh() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.STORED));
             LuceneIndex readOnly = LuceneIndex.open(dir)) {
            assertEquals(0, readOnly.imageCount());
            List<ImageRecord> images = SyntheticCorpus.images(corpus, 4, true);
            for (ImageRecord image : images) {
                writer.putImage(image);
            }
            writer.refresh();
            assertEquals(4, writer.index().imageCount(), "near-real-time: visible before commit");
            readOnly.refresh();
            assertEquals(0, readOnly.imageCount(), "the read-only searcher sees commits only");
            writer.commit();
            readOnly.refresh();
            assertEquals(4, readOnly.imageCount());
            ImageHit hit = readOnly.searchImages(images.get(2).features().query(0), SearchRequest.top(1)).getFirst();
            assertEquals("img-2", hit.id());
            assertArrayEquals(FeatureStoreTest.fp16(images.get(2).features().imageTokens()), readOnly.imageTokens(hit));
        }
    }

    /**
     * A process killed after a commit and some further adds leaves: the committed Lucene index,
     * uncommitted segment files, and feature records beyond the committed end. A copy of the
     * directory taken while the writer is still open is exactly that state.
     */
    @Test
    void crashAfterCommitRecoversTheCommittedState() throws IOException {
        Path crashed = dir.resolve("crashed");
        List<ImageRecord> images = SyntheticCorpus.images(corpus, 8, true);
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir.resolve("live"), SyntheticCorpus.settings(FeatureMode.STORED), 3 * RECORD)) {
            for (ImageRecord image : images.subList(0, 5)) {
                writer.putImage(image);
            }
            writer.commit(Map.of("progress", "5"));
            for (ImageRecord image : images.subList(5, 8)) {
                writer.putImage(image);
            }
            writer.refresh(); // writes the uncommitted segment to disk
            copy(dir.resolve("live"), crashed);
        }
        assertEquals(3, featureFiles(crashed).size(), "8 records over files of 3");
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(crashed, null, 3 * RECORD)) {
            assertEquals(Map.of("progress", "5"), writer.committedUserData());
            LuceneIndex searcher = writer.index();
            assertEquals(5, searcher.imageCount());
            assertEquals(List.of(crashed.resolve("features/features-00000000.bin"), crashed.resolve("features/features-00000001.bin")),
                    featureFiles(crashed));
            assertEquals(2 * RECORD, Files.size(crashed.resolve("features/features-00000001.bin")), "cut at the committed end");
            for (ImageHit hit : searcher.searchImages(corpus.text(), SearchRequest.top(10).exactly())) {
                ImageRecord image = images.get(Integer.parseInt(hit.id().substring(4)));
                assertArrayEquals(FeatureStoreTest.fp16(image.features().imageTokens()), searcher.imageTokens(hit));
            }
            writer.putImage(images.get(7));
            writer.refresh();
            ImageHit again = searcher.searchImages(images.get(7).features().query(0), SearchRequest.top(1)).getFirst();
            assertEquals(new FeatureAddress(1, 2 * RECORD, (int) RECORD), again.features());
            assertArrayEquals(FeatureStoreTest.fp16(images.get(7).features().imageTokens()), searcher.imageTokens(again));
        }
    }

    @Test
    void rollbackDiscardsDocumentsAndFeatures() throws IOException {
        LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.STORED));
        writer.putImage(SyntheticCorpus.record("kept", corpus.image(true), null));
        writer.commit();
        writer.putImage(SyntheticCorpus.record("dropped", corpus.image(true), null));
        writer.rollback();
        assertEquals(RECORD, Files.size(dir.resolve("features/features-00000000.bin")));
        try (LuceneIndex searcher = LuceneIndex.open(dir)) {
            assertEquals(1, searcher.imageCount());
            assertEquals("kept", searcher.searchImages(corpus.text(), SearchRequest.top(5)).getFirst().id());
        }
    }

    @Test
    void recomputeModeKeepsNoFeatures() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.RECOMPUTE))) {
            writer.putImage(SyntheticCorpus.record("a", corpus.image(true), null));
            writer.refresh();
            LuceneIndex searcher = writer.index();
            assertFalse(Files.exists(dir.resolve("features")), "a recompute index has no feature store");
            ImageHit hit = searcher.searchImages(corpus.text(), SearchRequest.top(1)).getFirst();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> searcher.imageTokens(hit));
            assertTrue(e.getMessage().contains("RECOMPUTE"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("features")));
    }

    @Test
    void corruptFeaturesSurfaceThroughTheSearcher() throws IOException {
        try (LuceneIndexWriter writer = LuceneIndexWriter.open(dir, SyntheticCorpus.settings(FeatureMode.STORED))) {
            writer.putImage(SyntheticCorpus.record("a", corpus.image(true), null));
            writer.commit();
        }
        FeatureStoreTest.flipByte(dir.resolve("features/features-00000000.bin"), 5000);
        try (LuceneIndex searcher = LuceneIndex.open(dir)) {
            ImageHit hit = searcher.searchImages(corpus.text(), SearchRequest.top(1)).getFirst();
            assertThrows(FeatureStoreCorruptException.class, () -> searcher.imageTokens(hit));
        }
    }

    private static List<Path> featureFiles(Path index) throws IOException {
        try (Stream<Path> files = Files.list(index.resolve("features"))) {
            return files.sorted().toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!path.getFileName().toString().equals("write.lock")) {
                    Files.copy(path, target);
                }
            }
        }
    }
}
