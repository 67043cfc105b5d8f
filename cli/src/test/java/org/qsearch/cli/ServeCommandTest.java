package org.qsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve refuses unsafe or impossible settings with one clear line, before loading anything. */
class ServeCommandTest {
    @Test
    void insecureWritesOffLoopbackAreRefused(@TempDir Path tmp) {
        CommandsTest.Run r = CommandsTest.run("serve", "--index", tmp.toString(), "--host", "0.0.0.0", "--insecure-writes");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("loopback"), r.err());
    }

    @Test
    void aMissingIndexIsNamed(@TempDir Path tmp) {
        CommandsTest.Run r = CommandsTest.run("serve", "--index", tmp.resolve("nope").toString(), "--port", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no index at"), r.err());
    }

    @Test
    void protectedReadsNeedAToken(@TempDir Path tmp) {
        CommandsTest.Run r = CommandsTest.run("serve", "--index", tmp.toString(), "--protect-reads");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("needs a token"), r.err());
    }
}
