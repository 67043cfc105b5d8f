package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.ImageHit;
import org.qsearch.index.LocalIndexLocation;
import org.qsearch.index.QueryMeans;
import org.qsearch.index.SearchFilter;
import org.qsearch.index.SearchRequest;
import org.qsearch.index.SearchTrace;
import org.qsearch.index.TextHit;
import org.qsearch.index.TextRecord;
import org.qsearch.indexer.TestCollections;
import org.qsearch.indexer.bulk.BulkFixtures;
import org.qsearch.opensearch.OpenSearchLocation;

/**
 * The OpenSearch backend on a real two-node cluster on loopback: the same inputs indexed through
 * the CLI into the cluster and into a local index give the same results; updates and deletes by
 * id; a bulk run killed and resumed against the cluster holds every item once; and searches keep
 * answering, and acknowledged writes survive, when a node is SIGKILLed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenSearchBackendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GENERATED = 120;
    private static final int RESUMED = 200;
    private static final String NAME = "fruit";
    /** Exact scores agree to float rounding; beyond this two results are ordered the same on both backends. */
    private static final double SCORE_NOISE = 1e-5;

    private static Path tmp;
    private static LocalCluster cluster;
    private static Path collection;
    private static Path manifest;
    private static Path localIndex;
    private static Blip2Encoder encoder;

    @BeforeAll
    static void indexTheSameInputsIntoBoth() throws Exception {
        // readable by the nodes' unprivileged user, who keeps the cluster's files in it
        tmp = Files.createTempDirectory("qsearch-opensearch-test",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        cluster = LocalCluster.start(tmp.resolve("cluster"));
        collection = Files.createDirectories(tmp.resolve("collection"));
        manifest = writeManifest(collection);
        localIndex = tmp.resolve("local");
        CommandsTest.Run local = CommandsTest.run("index", "--model", CommandsTest.MODEL, "--index", localIndex.toString(),
                "--input", manifest.toString(), "--index-captions-as-texts", "--features", "recompute", "--threads", "1");
        assertEquals(0, local.code(), local.err());
        CommandsTest.Run clustered = CommandsTest.run("index", "--model", CommandsTest.MODEL, "--backend", "opensearch",
                "--url", cluster.url(), "--index-name", NAME, "--input", manifest.toString(), "--index-captions-as-texts",
                "--threads", "1", "--errors", tmp.resolve("errors.jsonl").toString());
        assertEquals(0, clustered.code(), clustered.err());
        assertEquals(JSON.readTree(local.out()).get("indexed"), JSON.readTree(clustered.out()).get("indexed"));
        encoder = Blip2Encoder.open(Path.of(CommandsTest.MODEL), EncoderOptions.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (encoder != null) {
                encoder.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The fruit with their names as captions, and generated images; metadata to filter on. */
    private static Path writeManifest(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, String> fruit : new TreeMap<>(TestCollections.FRUIT).entrySet()) {
            Files.copy(TestCollections.fruitFolder().resolve(fruit.getKey() + ".png"), dir.resolve(fruit.getKey() + ".png"));
            lines.add(JSON.writeValueAsString(Map.of("image", fruit.getKey() + ".png", "id", fruit.getKey(),
                    "captions", List.of(fruit.getValue()), "metadata", Map.of("kind", "fruit", "shade", i++ % 3))));
        }
        for (Path image : BulkFixtures.generateImages(dir.resolve("generated"), GENERATED)) {
            String uri = "generated/" + image.getFileName();
            lines.add(JSON.writeValueAsString(Map.of("image", uri, "metadata", Map.of("kind", "generated", "shade", i++ % 3))));
        }
        Path file = dir.resolve("manifest.jsonl");
        Files.write(file, lines);
        return file;
    }

    private static OpenSearchLocation clusterLocation(String name) {
        return new OpenSearchLocation(OpenSearchLocation.parseUrls(cluster.url()), name, 2, 1, tmp.resolve("side-" + name));
    }

    @Test
    @Order(1)
    void clusterSearchesMatchTheLocalIndex() throws Exception {
        try (CollectionIndex local = new LocalIndexLocation(localIndex).openIndex();
             CollectionIndex remote = clusterLocation(NAME).openIndex()) {
            assertEquals(TestCollections.FRUIT.size() + GENERATED, remote.imageCount());
            assertEquals(local.imageCount(), remote.imageCount());
            assertEquals(local.textCount(), remote.textCount());
            // the same settings; the graph's query means come from the same sample, summed in whatever order it was encoded
            assertEquals(local.settings().withGraph(QueryMeans.NONE, 1, 1),
                    remote.settings().withGraph(QueryMeans.NONE, 1, 1));
            float[][] localMeans = local.settings().queryMeans().vectors();
            float[][] remoteMeans = remote.settings().queryMeans().vectors();
            for (int q = 0; q < localMeans.length; q++) {
                assertArrayEquals(localMeans[q], remoteMeans[q], 1e-5f, "query mean " + q);
            }

            List<String> words = new ArrayList<>(TestCollections.FRUIT.values());
            words.addAll(List.of("a red fruit", "something yellow", "a dog", "a face", "a car"));
            float[][] texts = encoder.encodeTexts(words);
            SearchRequest top10 = SearchRequest.top(10);
            SearchFilter generatedShade1 = SearchFilter.metadata("kind", "generated").and("shade", "1");
            List<Double> overlaps = new ArrayList<>();
            for (float[] text : texts) {
                overlaps.add(compare(local.searchImages(text, top10), remote.searchImages(text, top10), ImageHit::id, ImageHit::score));
                List<ImageHit> filtered = remote.searchImages(text, top10.withFilter(generatedShade1));
                assertEquals(10, filtered.size(), "a filtered search still fills k");
                filtered.forEach(hit -> assertTrue(hit.metadata().path("kind").asText().equals("generated")
                        && hit.metadata().path("shade").asInt() == 1, hit.toString()));
                overlaps.add(compare(local.searchImages(text, top10.withFilter(generatedShade1)), filtered,
                        ImageHit::id, ImageHit::score));
            }
            List<String> ids = new ArrayList<>();
            local.forEachImage(hit -> ids.add(hit.id()));
            for (String id : ids.subList(0, 30)) {
                float[][] image = remote.queryVectors(id).orElseThrow();
                assertTrue(Arrays.deepEquals(local.queryVectors(id).orElseThrow(), image), "the same vectors kept");
                overlaps.add(compare(local.searchImages(image, top10, new SearchTrace()),
                        remote.searchImages(image, top10, new SearchTrace()), ImageHit::id, ImageHit::score));
                overlaps.add(compare(local.searchTexts(image, top10, new SearchTrace()),
                        remote.searchTexts(image, top10, new SearchTrace()), TextHit::id, TextHit::score));
            }
            double mean = overlaps.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            System.out.printf("OpenSearchBackendTest: top-10 overlap with the local index %.4f over %d searches%n", mean,
                    overlaps.size());
            assertTrue(mean >= 0.99, "mean top-10 overlap " + mean);

            ImageHit banana = remote.findImage("banana").orElseThrow();
            assertEquals(local.findImage("banana").orElseThrow().contentHash(), banana.contentHash());
            assertEquals(List.of("banana"), banana.captions());
            assertTrue(remote.anyImageAt("banana.png"));
            assertFalse(remote.anyImageAt("absent.png"));
            assertTrue(remote.findImage("absent").isEmpty());
        }
        // the whole pipeline through the CLI: ITC, ITM rerank on recomputed features, dedupe
        CommandsTest.Run local = CommandsTest.run("search", "--model", CommandsTest.MODEL, "--index", localIndex.toString(),
                "--text", "banana", "--k", "5", "--json");
        CommandsTest.Run remote = CommandsTest.run("search", "--model", CommandsTest.MODEL, "--backend", "opensearch",
                "--url", cluster.url(), "--index-name", NAME, "--text", "banana", "--k", "5", "--json");
        assertEquals(0, remote.code(), remote.err());
        assertEquals(resultIds(local.out()), resultIds(remote.out()));
    }

    /** The share of {@code a}'s ids in {@code b}; asserts the same order wherever scores are apart by more than noise. */
    private static <H> double compare(List<H> a, List<H> b, Function<H, String> id,
                                      ToDoubleFunction<H> score) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            boolean apart = (i == 0 || score.applyAsDouble(a.get(i - 1)) - score.applyAsDouble(a.get(i)) > SCORE_NOISE)
                    && (i == a.size() - 1 || score.applyAsDouble(a.get(i)) - score.applyAsDouble(a.get(i + 1)) > SCORE_NOISE);
            if (apart) {
                assertEquals(id.apply(a.get(i)), id.apply(b.get(i)), "rank " + i);
                assertEquals(score.applyAsDouble(a.get(i)), score.applyAsDouble(b.get(i)), SCORE_NOISE, "rank " + i);
            }
        }
        Set<String> want = new HashSet<>(a.stream().map(id).toList());
        return a.isEmpty() ? 1 : b.stream().map(id).filter(want::contains).count() / (double) a.size();
    }

    private static List<String> resultIds(String json) throws IOException {
        List<String> ids = new ArrayList<>();
        JSON.readTree(json).get("results").forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    @Test
    @Order(2)
    void updateAndDeleteById() throws Exception {
        OpenSearchLocation location = clusterLocation(NAME);
        float[] embedding = encoder.encodeTexts(List.of("a yellow banana"))[0];
        try (CollectionIndexWriter writer = location.openWriter()) {
            writer.putText(new TextRecord("note-1", "a yellow banana", embedding, "banana", "{\"kind\":\"note\"}"));
            writer.commit();
            assertEquals("a yellow banana", writer.index().findText("note-1").orElseThrow().text());
            float[] replaced = encoder.encodeTexts(List.of("a ripe banana"))[0];
            writer.putText(new TextRecord("note-1", "a ripe banana", replaced, "banana", "{\"kind\":\"note\"}"));
            writer.deleteImage("lemon");
            writer.commit();
        }
        try (CollectionIndex index = location.openIndex()) {
            assertEquals("a ripe banana", index.findText("note-1").orElseThrow().text(), "the same id replaces");
            assertTrue(index.findImage("lemon").isEmpty());
            assertEquals(TestCollections.FRUIT.size() + GENERATED - 1, index.imageCount());
            float[] lemon = encoder.encodeTexts(List.of("lemon"))[0];
            assertTrue(index.searchImages(lemon, SearchRequest.top(20)).stream().noneMatch(h -> h.id().equals("lemon")));
            List<TextHit> notes = index.searchTexts(new float[][] {lemon}, SearchRequest.top(5)
                    .withFilter(SearchFilter.metadata("kind", "note")), new SearchTrace());
            assertEquals(List.of("note-1"), notes.stream().map(TextHit::id).toList());
        }
    }

    @Test
    @Order(3)
    void aKilledBulkRunResumesWithEveryItemOnce() throws Exception {
        String name = "resumed";
        Path images = tmp.resolve("resume-images");
        BulkFixtures.generateImages(images, RESUMED);
        OpenSearchLocation location = clusterLocation(name);
        Path log = tmp.resolve("killed-run.log");
        Process run = startIndexing(name, images, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int seen = 0;
        while (run.isAlive() && System.nanoTime() < deadline && seen < 15) {
            try (CollectionIndex index = location.openIndex()) {
                seen = index.imageCount();
            } catch (IllegalArgumentException notCreatedYet) {
                // the run has not created the collection yet
            }
            Thread.sleep(20);
        }
        run.destroyForcibly();
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        assertTrue(seen > 0, "the run indexed nothing before it was killed: " + Files.readString(log));
        int committed;
        try (CollectionIndex index = location.openIndex()) {
            committed = index.imageCount();
        }
        assertTrue(committed >= 15 && committed < RESUMED, "killed mid-run, after " + committed + " images");

        CommandsTest.Run resumed = CommandsTest.run("index", "--model", CommandsTest.MODEL, "--backend", "opensearch",
                "--url", cluster.url(), "--index-name", name, "--input", images.toString(), "--threads", "1",
                "--errors", tmp.resolve("resume-errors.jsonl").toString());
        assertEquals(0, resumed.code(), resumed.err());
        JsonNode summary = JSON.readTree(resumed.out());
        assertTrue(summary.get("skipped").asInt() >= committed, summary.toString());
        try (CollectionIndex index = location.openIndex()) {
            assertEquals(RESUMED, index.imageCount(), "every item exactly once");
            Set<String> uris = new HashSet<>();
            index.forEachImage(hit -> assertTrue(uris.add(hit.uri()), "twice: " + hit.uri()));
            assertEquals(RESUMED, uris.size());
        }
    }

    private static Process startIndexing(String name, Path images, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // -Xss8m: started from the Maven test classpath (not bin/qsearch's), loading the model on the
        // main thread overflowed the default stack in native code (SIGSEGV, seen 2026-12-02)
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m", "-Xss8m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "index",
                "--model", CommandsTest.MODEL, "--backend", "opensearch", "--url", cluster.url(), "--index-name", name,
                "--input", images.toString(), "--threads", "1", "--batch", "4", "--commit-every", "5",
                "--errors", tmp.resolve("killed-errors.jsonl").toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    @Order(4)
    void searchesKeepAnsweringAndAcknowledgedWritesSurviveANodeLoss() throws Exception {
        OpenSearchLocation location = clusterLocation(NAME);
        float[][] queries = encoder.encodeTexts(List.of("banana", "cherries", "a red fruit", "grapes"));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        cluster.get("/_cluster/health?wait_for_status=green&timeout=60s"); // every shard has its replica
        int before;
        try (CollectionIndex reader = location.openIndex(); CollectionIndexWriter writer = location.openWriter()) {
            before = reader.textCount();
            float[][] banana = reader.queryVectors("banana").orElseThrow();
            Thread load = new Thread(() -> {
                int i = 0;
                while (running.get()) {
                    sent.incrementAndGet();
                    try {
                        // text queries (one kNN search) and, every fourth, an image's 32 vectors (a multi-search)
                        List<ImageHit> hits = i % 4 == 3
                                ? reader.searchImages(banana, SearchRequest.top(10), new SearchTrace())
                                : reader.searchImages(queries[i % queries.length], SearchRequest.top(10));
                        i++;
                        if (hits.size() != 10) {
                            failed.incrementAndGet();
                            failures.add("short page");
                        }
                    } catch (IOException | RuntimeException e) {
                        failed.incrementAndGet();
                        failures.add(e.getMessage());
                    }
                }
            });
            load.start();
            Thread.sleep(1500);
            int victim = cluster.followerNode();
            cluster.killNode(victim);
            Map<String, String> written = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                String text = "written while a node was down " + i;
                writer.putText(new TextRecord("outage-" + i, text, encoder.encodeTexts(List.of(text))[0], null, null));
                written.put("outage-" + i, text);
                if (i % 5 == 4) {
                    writer.commit(); // acknowledged: these must survive
                }
            }
            Thread.sleep(2000);
            cluster.startNode(victim);
            Thread.sleep(1000);
            running.set(false);
            load.join();
            System.out.printf("OpenSearchBackendTest: node %d SIGKILLed under load: %d searches sent, %d failed; "
                    + "%d writes acknowledged while it was down%n", victim, sent.get(), failed.get(), written.size());
            assertEquals(0, failed.get(), "failed searches: " + failures.stream().distinct().limit(3).toList());
            assertTrue(sent.get() > 20, "the load ran: " + sent.get());
            int lost = 0;
            for (Map.Entry<String, String> w : written.entrySet()) {
                if (!reader.findText(w.getKey()).map(t -> t.text().equals(w.getValue())).orElse(false)) {
                    lost++;
                }
            }
            System.out.printf("OpenSearchBackendTest: acknowledged writes lost after the node rejoined: %d%n", lost);
            assertEquals(0, lost);
            assertEquals(before + written.size(), reader.textCount());
        }
    }
}
