package org.qsearch.indexer.bulk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageFeatures;

class InputSampleTest {
    @TempDir
    Path dir;

    @Test
    void aReproducibleUniformSampleNotTheFirstImages() throws Exception {
        List<Path> files = BulkFixtures.generateImages(dir.resolve("images"), 30);
        Files.writeString(dir.resolve("images/broken.png"), "not an image");
        FolderReader folder = new FolderReader(dir.resolve("images"));
        try (Blip2Encoder encoder = BulkFixtures.encoder()) {
            List<String> sample = fingerprints(InputSample.images(folder, encoder, 8));
            assertEquals(8, sample.size());
            assertEquals(sample, fingerprints(InputSample.images(folder, encoder, 8)), "same input, same sample");
            List<String> first = fingerprints(files.stream().sorted().limit(8).map(f -> encode(encoder, f)).toList());
            assertNotEquals(first, sample);
            assertEquals(30, InputSample.images(folder, encoder, 100).size(), "every readable image when there are fewer");
        }
    }

    private static ImageFeatures encode(Blip2Encoder encoder, Path file) {
        try {
            return encoder.encodeImage(Files.readAllBytes(file));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> fingerprints(List<ImageFeatures> features) {
        return features.stream().map(f -> Arrays.toString(f.query(0))).sorted().toList();
    }
}
