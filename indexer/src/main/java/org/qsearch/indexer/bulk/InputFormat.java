package org.qsearch.indexer.bulk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The kinds of input the bulk indexer reads; AUTO picks one from the path. */
public enum InputFormat {
    AUTO, FOLDER, JSONL, CSV, COCO;

    public InputReader open(Path input) {
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("input " + input + " does not exist");
        }
        return switch (this == AUTO ? detect(input) : this) {
            case FOLDER -> new FolderReader(input);
            case JSONL -> new JsonlManifestReader(input);
            case CSV -> new CsvManifestReader(input);
            case COCO -> new CocoCaptionsReader(input);
            case AUTO -> throw new AssertionError();
        };
    }

    /** A folder, or a manifest by its extension: .jsonl/.ndjson, .csv, .json (COCO). */
    static InputFormat detect(Path input) {
        if (Files.isDirectory(input)) {
            return FOLDER;
        }
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return JSONL;
        }
        if (name.endsWith(".csv")) {
            return CSV;
        }
        if (name.endsWith(".json")) {
            return COCO;
        }
        throw new IllegalArgumentException("cannot tell the format of " + input
                + " (a folder, .jsonl, .csv or COCO .json): name it with --format");
    }
}
