package org.qsearch.encoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where the tests find the shipped bundle, and scratch copies of it to break. */
final class TestBundles {
    private TestBundles() {}

    static Path root() {
        return Path.of(System.getProperty("qsearch.root", "..")).toAbsolutePath().normalize();
    }

    /** The shipped tiny bundle, or the one named by -Dqsearch.test.bundle (the tools' smoke test). */
    static Path tiny() {
        String override = System.getProperty("qsearch.test.bundle");
        return override != null && !override.isBlank() ? Path.of(override) : root().resolve("models/tiny-blip2");
    }

    static EncoderOptions options() {
        return new EncoderOptions(2, false, 0, EncoderOptions.DEFAULT_MAX_PIXELS);
    }

    /** A copy of the tiny bundle in dir, to damage in a test. */
    static Path copyTiny(Path dir) {
        try (Stream<Path> files = Files.walk(tiny())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = dir.resolve(tiny().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
