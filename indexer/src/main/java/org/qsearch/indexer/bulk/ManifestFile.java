package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A line-based manifest file and the folder its relative image paths start from. */
record ManifestFile(Path path, Path root) {
    static ManifestFile of(Path manifest) {
        Path p = manifest.toAbsolutePath().normalize();
        return new ManifestFile(p, p.getParent());
    }

    long nonBlankLines() throws IOException {
        try (Stream<String> lines = Files.lines(path, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
