package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** URIs name files inside the collection, as text and as real paths. */
class CollectionRootTest {
    @TempDir
    Path tmp;

    @Test
    void pathsAndLinksThatLeaveTheRootAreRefused() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("collection/sub"));
        Path outside = Files.writeString(tmp.resolve("secret.png"), "x");
        Files.writeString(root.resolve("a.png"), "a");
        Files.createSymbolicLink(root.resolve("inside-link.png"), root.resolve("a.png"));
        Files.createSymbolicLink(root.resolve("outside-link.png"), outside);
        Files.createSymbolicLink(root.resolve("outside-dir"), tmp);
        CollectionRoot collection = new CollectionRoot(root);

        assertEquals(root.resolve("a.png"), collection.resolve("a.png"));
        assertEquals(root.resolve("inside-link.png"), collection.resolve("inside-link.png"), "a link inside stays inside");
        assertEquals(root.resolve("not-yet.png"), collection.resolve("not-yet.png"), "a missing file fails later, as not found");
        assertEquals("x/y.png", collection.uri(root.resolve("x/y.png")));
        for (String uri : new String[] {"../secret.png", "/etc/passwd", "x/../../b.png", ".", "outside-link.png",
                "outside-dir/secret.png"}) {
            assertThrows(SecurityException.class, () -> collection.resolve(uri), uri);
        }
    }
}
