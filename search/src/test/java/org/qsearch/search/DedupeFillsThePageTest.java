package org.qsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.index.FeatureMode;
import org.qsearch.indexer.TestCollections;
import org.qsearch.index.LocalIndexLocation;

/**
 * Dedupe on a collection where one image has many copies: the page must still hold k distinct
 * images (the pipeline asks the index for more candidates), and say when the index ran out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DedupeFillsThePageTest {
    private static final int COPIES = 12;

    private SearchCollection collection;
    private SearchPipeline pipeline;
    private float[][] appleVectors;

    @BeforeAll
    void build(@TempDir Path tmp) throws IOException {
        Map<String, String> copies = new HashMap<>();
        for (int i = 0; i < COPIES; i++) {
            copies.put("red-apple-copy-" + i, "red-apple");
        }
        try (var encoder = TestCollections.encoder()) {
            TestCollections.indexFruit(encoder, tmp.resolve("fruit"), tmp.resolve("index"), FeatureMode.STORED, copies,
                    TestCollections.Names.TEXTS);
        }
        collection = SearchCollection.open(TestCollections.bundle(), TestCollections.encoderOptions(), new LocalIndexLocation(tmp.resolve("index")),
                tmp.resolve("fruit"), false, PipelineSettings.defaults());
        pipeline = collection.pipeline();
        appleVectors = collection.index().queryVectors("red-apple").orElseThrow();
    }

    @AfterAll
    void close() throws IOException {
        collection.close();
    }

    private static QueryOptions page(int k) {
        return QueryOptions.defaults().withK(k).withRerank(0).withCaptions(false);
    }

    @Test
    void copiesThatFillTheFirstCandidatesDoNotShortenThePage() {
        // the 13 identical apples score alike and lead: the first fetch (2k = 6) holds nothing else
        SearchResponse withCopies = pipeline.searchEmbedding(appleVectors, Target.IMAGES, page(3).withDedupe(false));
        assertTrue(withCopies.results().stream().allMatch(r -> r.uri().startsWith("red-apple")), withCopies.toString());

        SearchResponse r = pipeline.searchEmbedding(appleVectors, Target.IMAGES, page(3));
        assertEquals(3, r.results().size(), r.toString());
        Set<String> uris = new HashSet<>();
        r.results().forEach(item -> uris.add(item.uri()));
        assertEquals(1, uris.stream().filter(u -> u.startsWith("red-apple")).count(), uris.toString());
        assertTrue(r.deduplicated() >= COPIES, "every copy passed over is counted: " + r.deduplicated());
        assertFalse(r.exhausted());
    }

    @Test
    void aPageLongerThanTheDistinctImagesSaysTheCandidatesRanOut() {
        int images = TestCollections.FRUIT.size() + COPIES;
        SearchResponse all = pipeline.searchEmbedding(appleVectors, Target.IMAGES, page(40).withDedupe(false));
        assertEquals(images, all.results().size());
        assertTrue(all.exhausted());
        SearchResponse r = pipeline.searchEmbedding(appleVectors, Target.IMAGES, page(40));
        assertTrue(r.results().size() <= TestCollections.FRUIT.size(), r.toString());
        assertEquals(images, r.results().size() + r.deduplicated());
        assertTrue(r.exhausted());
        assertFalse(pipeline.searchEmbedding(appleVectors, Target.IMAGES, page(5).withDedupe(false)).exhausted());
    }
}
