package org.qsearch.indexer.bulk;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;

/** The shipped model and images, and images made at run time (nothing large is committed). */
public final class BulkFixtures {
    static final Path ROOT = Path.of(System.getProperty("qsearch.root", "..")).toAbsolutePath().normalize();
    static final Path MODEL = ROOT.resolve("models/tiny-blip2");
    static final Path PREPROCESS = ROOT.resolve("encoder/src/test/resources/preprocess");
    static final Path GOLDEN = MODEL.resolve("golden");

    private BulkFixtures() {}

    static Blip2Encoder encoder() {
        return Blip2Encoder.open(MODEL, EncoderOptions.defaults());
    }

    /** Quiet, small batches and frequent commits: what the tests want. */
    static BulkOptions options(Path errors) {
        return BulkOptions.defaults().withBatchSize(8).withThreads(2).withCommits(10, Duration.ofSeconds(5))
                .withErrorsFile(errors).withProgress(false);
    }

    /** Shipped images of several formats. */
    static List<Path> goodImages() {
        return List.of(GOLDEN.resolve("image_0.png"), GOLDEN.resolve("image_1.png"), GOLDEN.resolve("image_2.png"),
                GOLDEN.resolve("image_3.png"), PREPROCESS.resolve("img_03_jpeg.jpg"),
                PREPROCESS.resolve("img_09_png-rgb.png"), PREPROCESS.resolve("img_15_gif.gif"),
                PREPROCESS.resolve("img_17_webp-lossless.webp"));
    }

    /** {@code n} distinct small PNGs: crops and colour shifts of the shipped images. */
    public static List<Path> generateImages(Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        List<BufferedImage> bases = new ArrayList<>();
        for (Path p : goodImages()) {
            bases.add(ImageIO.read(p.toFile()));
        }
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage base = bases.get(i % bases.size());
            int size = Math.min(Math.min(base.getWidth(), base.getHeight()), 64) - i % 7;
            int x0 = (i * 3) % Math.max(1, base.getWidth() - size + 1);
            int y0 = (i * 5) % Math.max(1, base.getHeight() - size + 1);
            int shift = (i * 37) % 256;
            BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = base.getRGB(x0 + x, y0 + y);
                    int r = ((rgb >> 16 & 0xff) + shift) & 0xff;
                    out.setRGB(x, y, r << 16 | (rgb & 0xffff));
                }
            }
            Path file = dir.resolve(String.format("gen_%03d.png", i));
            ImageIO.write(out, "png", file.toFile());
            files.add(file);
        }
        return files;
    }
}
