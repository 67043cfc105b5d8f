package org.qsearch.indexer.bulk;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A manifest read one line per entry (JSONL, CSV): the loop they share. Every non-blank line
 * after the header goes to the sink as an item, or as a malformed entry with its line number.
 */
abstract sealed class LineManifestReader implements InputReader permits CsvManifestReader, JsonlManifestReader {
    /** One entry line to an item; IllegalArgumentException with the reason when the line is malformed. */
    interface EntryParser {
        SourceItem parse(String line, int number);
    }

    final ManifestFile manifest;
    private final int headerLines;

    LineManifestReader(Path manifest, int headerLines) {
        this.manifest = ManifestFile.of(manifest);
        this.headerLines = headerLines;
    }

    /** Reads the header lines from {@code in} (refusing a bad header), and says how to parse the entries. */
    abstract EntryParser start(BufferedReader in) throws IOException;

    @Override
    public Path root() {
        return manifest.root();
    }

    @Override
    public OptionalLong size() throws IOException {
        return OptionalLong.of(Math.max(0, manifest.nonBlankLines() - headerLines));
    }

    @Override
    public void read(Sink sink) throws IOException, InterruptedException {
        try (BufferedReader in = Files.newBufferedReader(manifest.path(), StandardCharsets.UTF_8)) {
            EntryParser parser = start(in);
            int number = headerLines;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                SourceItem item;
                try {
                    item = parser.parse(line, number);
                } catch (IllegalArgumentException e) {
                    sink.malformed(new ItemError(manifest.toString(), number, e.getMessage()));
                    continue;
                }
                sink.item(item);
            }
        }
    }
}
