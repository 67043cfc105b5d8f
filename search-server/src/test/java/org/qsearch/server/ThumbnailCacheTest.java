package org.qsearch.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.indexer.TestCollections;

/** The thumbnail cache: hits skip the source, the byte budget evicts the least recently used, sizes are bounded. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThumbnailCacheTest {
    private Blip2Encoder encoder;
    private byte[] pear;

    @BeforeAll
    void open() throws Exception {
        encoder = TestCollections.encoder();
        pear = Files.readAllBytes(TestCollections.fruitFolder().resolve("pear.png"));
    }

    @AfterAll
    void close() {
        encoder.close();
    }

    @Test
    void hitsAreServedFromMemoryUntilTheBudgetEvictsThem() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        ThumbnailCache.Source source = () -> {
            reads.incrementAndGet();
            return encoder.decode(pear);
        };
        ThumbnailCache roomy = new ThumbnailCache(1 << 20);
        byte[] first = roomy.get("pear", "hash", 32, source);
        assertArrayEquals(first, roomy.get("pear", "hash", 32, source));
        assertEquals(1, reads.get(), "the second request is a hit");
        roomy.get("pear", "new-hash", 32, source);
        assertEquals(2, reads.get(), "a re-indexed image (new content hash) is rendered again");

        ThumbnailCache tight = new ThumbnailCache(first.length); // room for one 32 px thumbnail
        reads.set(0);
        tight.get("pear", "hash", 32, source);
        tight.get("pear", "hash", 48, source);
        tight.get("pear", "hash", 32, source);
        assertEquals(3, reads.get(), "the 48 px thumbnail pushed the 32 px one out");
    }

    @Test
    void sizesOutOfRangeAreRefused() {
        ThumbnailCache cache = new ThumbnailCache(1 << 20);
        assertEquals(400, assertThrows(ApiProblem.class, () -> cache.get("x", "h", 15, () -> encoder.decode(pear))).status());
        assertEquals(400, assertThrows(ApiProblem.class, () -> cache.get("x", "h", 1025, () -> encoder.decode(pear))).status());
    }
}
