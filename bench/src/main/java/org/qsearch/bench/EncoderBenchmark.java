package org.qsearch.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;

/**
 * Images/s and texts/s at several batch sizes, with the share of image time
 * spent in decoding, preprocessing and inference. Each figure is the median of
 * `rounds` timed rounds after one warm-up round.
 */
public final class EncoderBenchmark {
    private final Blip2Encoder encoder;
    private final int rounds;

    public EncoderBenchmark(Blip2Encoder encoder, int rounds) {
        this.encoder = encoder;
        this.rounds = rounds;
    }

    /** One batch size's result for images. */
    public record ImageRow(int batch, double imagesPerSecond, double decodeShare, double preprocessShare,
                           double inferenceShare) {}

    public record TextRow(int batch, double textsPerSecond) {}

    public List<ImageRow> images(List<byte[]> files, int[] batches) throws ImageDecodeException {
        List<ImageRow> out = new ArrayList<>();
        for (int b : batches) {
            List<byte[]> work = cycle(files, Math.max(b, 256 / b * b));
            measureImages(work, b); // warm-up
            double[][] runs = new double[rounds][];
            for (int r = 0; r < rounds; r++) {
                runs[r] = measureImages(work, b);
            }
            double decode = median(runs, 0);
            double pre = median(runs, 1);
            double infer = median(runs, 2);
            double total = decode + pre + infer;
            out.add(new ImageRow(b, work.size() / total, decode / total, pre / total, infer / total));
        }
        return out;
    }

    /** Seconds spent {decoding, preprocessing, in the vision + itc_image graphs} for all images. */
    private double[] measureImages(List<byte[]> work, int batch) throws ImageDecodeException {
        double decode = 0;
        double pre = 0;
        double infer = 0;
        for (int i = 0; i < work.size(); i += batch) {
            List<float[]> pixels = new ArrayList<>();
            for (byte[] bytes : work.subList(i, Math.min(work.size(), i + batch))) {
                long t0 = System.nanoTime();
                var decoded = encoder.decode(bytes);
                long t1 = System.nanoTime();
                pixels.add(encoder.preprocess(decoded));
                long t2 = System.nanoTime();
                decode += (t1 - t0) / 1e9;
                pre += (t2 - t1) / 1e9;
            }
            long t0 = System.nanoTime();
            encoder.encodePixels(pixels);
            infer += (System.nanoTime() - t0) / 1e9;
        }
        return new double[] {decode, pre, infer};
    }

    public List<TextRow> texts(List<String> texts, int[] batches) {
        List<TextRow> out = new ArrayList<>();
        for (int b : batches) {
            List<String> work = cycle(texts, Math.max(b * 4, 512 / b * b));
            measureTexts(work, b);
            double[][] runs = new double[rounds][];
            for (int r = 0; r < rounds; r++) {
                runs[r] = new double[] {measureTexts(work, b)};
            }
            out.add(new TextRow(b, work.size() / median(runs, 0)));
        }
        return out;
    }

    private double measureTexts(List<String> work, int batch) {
        long t0 = System.nanoTime();
        for (int i = 0; i < work.size(); i += batch) {
            encoder.encodeTexts(work.subList(i, Math.min(work.size(), i + batch)));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static <T> List<T> cycle(List<T> items, int n) {
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(items.get(i % items.size()));
        }
        return out;
    }

    private static double median(double[][] runs, int column) {
        double[] v = Arrays.stream(runs).mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Machine facts recorded with every report. */
    public static Map<String, Object> machine(Blip2Encoder encoder, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("onnx_threads", threads);
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("execution_provider", encoder.executionProvider());
        m.put("bundle", encoder.bundle().name());
        return m;
    }
}
