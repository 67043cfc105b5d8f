package org.qsearch.indexer.bulk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.ImageHit;
import org.qsearch.index.IndexSettings;

/**
 * A real bulk run in another JVM, killed with SIGKILL at random points, then resumed: no
 * committed item is lost or doubled, and the result equals an uninterrupted run's.
 */
class KillResumeTest {
    private static final int IMAGES = 80;
    private static final int KILLS = 3;

    @Test
    void aRunKilledAtRandomPointsResumesToTheUninterruptedResult(@TempDir Path tmp) throws Exception {
        Path images = tmp.resolve("images");
        BulkFixtures.generateImages(images, IMAGES);
        Path reference = tmp.resolve("reference");
        Path killed = tmp.resolve("killed");

        try (Blip2Encoder encoder = BulkFixtures.encoder()) {
            assertEquals(IMAGES, index(encoder, reference, images).indexed());
        }

        Random random = new Random(20261125);
        Set<String> committedBefore = new HashSet<>();
        int partialKills = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process process = startIndexing(killed, images);
            awaitStarted(process);
            // kill once the child has committed past a random point, then a random moment later
            // (mid-batch): progress-based, so a slow or fast machine still kills mid-run
            int target = Math.min(IMAGES - 10, committedBefore.size() + 5 + random.nextInt(20));
            awaitCommitted(killed, target, process);
            Thread.sleep(random.nextInt(60));
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));

            Map<String, ImageHit> now = imagesIn(killed);
            assertTrue(now.keySet().containsAll(committedBefore), "a commit survives later kills");
            committedBefore = now.keySet();
            if (now.size() < IMAGES) {
                partialKills++;
            }
        }
        assertTrue(partialKills > 0, "at least one kill interrupted the run");

        try (Blip2Encoder encoder = BulkFixtures.encoder()) {
            BulkSummary resumed = index(encoder, killed, images);
            assertEquals(committedBefore.size(), resumed.skipped(), "the resumed run redoes only the missing items");
            assertEquals(IMAGES - committedBefore.size(), resumed.indexed() + resumed.updated());
        }

        Map<String, ImageHit> expected = imagesIn(reference);
        Map<String, ImageHit> actual = imagesIn(killed);
        assertEquals(expected.keySet(), actual.keySet());
        try (CollectionIndex a = CollectionIndex.open(reference); CollectionIndex b = CollectionIndex.open(killed)) {
            assertEquals(IMAGES, b.imageCount(), "every image exactly once");
            for (String id : expected.keySet()) {
                assertEquals(expected.get(id).contentHash(), actual.get(id).contentHash());
                float[][] want = a.queryVectors(id).orElseThrow();
                float[][] got = b.queryVectors(id).orElseThrow();
                for (int q = 0; q < want.length; q++) {
                    assertArrayEquals(want[q], got[q], 1e-6f, id + " query " + q);
                }
                assertArrayEquals(a.imageTokens(expected.get(id)), b.imageTokens(actual.get(id)), 1e-6f,
                        "the stored features read back, checksums intact");
            }
        }
    }

    private static BulkSummary index(Blip2Encoder encoder, Path index, Path images) throws Exception {
        try (CollectionIndexWriter writer = CollectionIndexWriter.open(index, IndexSettings.forDims(encoder.bundle().dims()))) {
            return new BulkIndexer(encoder, writer, BulkFixtures.options(null).withThreads(1)).run(new FolderReader(images));
        }
    }

    /** The committed images, failing if any id is there twice. */
    private static Map<String, ImageHit> imagesIn(Path index) throws Exception {
        Map<String, ImageHit> images = new HashMap<>();
        List<String> duplicates = new ArrayList<>();
        try (CollectionIndex searcher = CollectionIndex.open(index)) {
            searcher.forEachImage(hit -> {
                if (images.put(hit.id(), hit) != null) {
                    duplicates.add(hit.id());
                }
            });
        }
        assertEquals(List.of(), duplicates);
        return images;
    }

    private static Process startIndexing(Path index, Path images) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), BulkIndexMain.class.getName(),
                BulkFixtures.MODEL.toString(), index.toString(), images.toString(), "5");
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Polls the committed index until it holds `images` images or the child exits. */
    private static void awaitCommitted(Path index, int images, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (process.isAlive() && System.nanoTime() < deadline) {
            try (CollectionIndex searcher = CollectionIndex.open(index)) {
                if (searcher.imageCount() >= images) {
                    return;
                }
            } catch (java.io.IOException notYetCommitted) {
                // the child has not made its first commit yet
            }
            Thread.sleep(10);
        }
    }

    private static void awaitStarted(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertEquals("started", line, "the child JVM did not start indexing (classpath " + File.pathSeparator + ")");
    }
}
