package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;

/** The features of a sample of the images an input names, to learn about a collection before indexing it. */
public final class InputSample {
    /** Fixed, so that the same input gives the same sample. */
    private static final long SEED = 1;

    private InputSample() {}

    /**
     * Encodes a uniform random sample of {@code n} of the input's images (all of them when it names
     * fewer), drawn in one pass over the input: not its first images, which in a sorted folder are
     * often alike. Images that cannot be read are left out here; the bulk run reports them.
     */
    public static List<ImageFeatures> images(InputReader reader, Blip2Encoder encoder, int n)
            throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        Random random = new Random(SEED);
        reader.read(new InputReader.Sink() {
            private long seen;

            @Override
            public void item(SourceItem item) {
                if (item instanceof SourceItem.Image image) {
                    // reservoir sampling: every image ends up in the sample with probability n / seen
                    seen++;
                    if (files.size() < n) {
                        files.add(image.file());
                    } else {
                        long slot = random.nextLong(seen);
                        if (slot < n) {
                            files.set((int) slot, image.file());
                        }
                    }
                }
            }

            @Override
            public void malformed(ItemError error) {}
        });
        List<ImageFeatures> sample = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                sample.add(encoder.encodeImage(Files.readAllBytes(file)));
            } catch (IOException | ImageDecodeException e) {
                // not part of the sample; the indexing run records why
            }
        }
        return sample;
    }
}
