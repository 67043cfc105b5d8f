package org.qsearch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report section put into a Markdown file replaces the one under the same heading, and only it. */
class BenchReportTest {
    private static final String HEADING = "## 6. Scale-out";

    @Test
    void aSectionReplacesItsOwnAndKeepsTheRest(@TempDir Path tmp) throws Exception {
        Path doc = tmp.resolve("benchmarks.md");
        Files.writeString(doc, "# Benchmarks\n\n## 5. Server\n\nfive\n\n" + HEADING + "\n\nold figures\n\n## 7. Later\n\nseven\n");
        BenchReport.replaceSection(doc, HEADING, HEADING + "\n\nnew figures\n");
        assertEquals("# Benchmarks\n\n## 5. Server\n\nfive\n\n" + HEADING + "\n\nnew figures\n\n## 7. Later\n\nseven\n",
                Files.readString(doc));
        assertEquals(HEADING + "\n\nnew figures\n\n", BenchReport.section(Files.readString(doc), HEADING));
    }

    @Test
    void aMissingSectionIsAppended(@TempDir Path tmp) throws Exception {
        Path doc = tmp.resolve("benchmarks.md");
        Files.writeString(doc, "# Benchmarks\n\n## 5. Server\n\nfive\n");
        BenchReport.replaceSection(doc, HEADING, HEADING + "\n\nfigures\n");
        assertEquals("# Benchmarks\n\n## 5. Server\n\nfive\n\n" + HEADING + "\n\nfigures\n", Files.readString(doc));
        assertEquals("", BenchReport.section("# Benchmarks\n", HEADING));
    }
}
