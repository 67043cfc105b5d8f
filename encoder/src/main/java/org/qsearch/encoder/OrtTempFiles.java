package org.qsearch.encoder;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What ONNX Runtime leaves in the temp folders of every JVM, removed once its environment has
 * started: an empty {@code mat-debug-PID.log} its telemetry layer creates in $TMPDIR (else /tmp)
 * and never removes, and the {@code onnxruntime-java*} folder its loader creates in
 * java.io.tmpdir and removes only at a normal exit. With the libraries loaded from the
 * distribution (onnxruntime.native.path) that folder stays empty; a killed JVM would leave it.
 * Only empty files and folders of this JVM are removed.
 */
final class OrtTempFiles {
    private OrtTempFiles() {}

    static void remove() {
        String tmp = System.getenv("TMPDIR");
        Path log = Path.of(tmp == null || tmp.isBlank() ? "/tmp" : tmp, "mat-debug-" + ProcessHandle.current().pid() + ".log");
        try {
            if (Files.isRegularFile(log) && Files.size(log) == 0) {
                Files.delete(log); // the library keeps its open handle and writes nothing to it
            }
            Path loaderDir = loaderTempDirectory();
            if (loaderDir != null && Files.isDirectory(loaderDir) && isEmpty(loaderDir)) {
                Files.delete(loaderDir);
            }
        } catch (IOException e) {
            // not ours to fail on: at worst the files stay, as they did before
        }
    }

    /** The loader keeps its folder in a private field; null when this ONNX Runtime has none. */
    private static Path loaderTempDirectory() {
        try {
            Field field = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
            field.setAccessible(true);
            return field.get(null) instanceof Path path ? path : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
