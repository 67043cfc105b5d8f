package org.qsearch.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.index.ImageHit;
import org.qsearch.search.Deduplicator;
import org.qsearch.search.SearchCollection;
import org.qsearch.search.SearchPipeline;

/**
 * Whether the dedupe rule's vector agreement separates copies from distinct images on a
 * collection: for every pair of images with different content hashes, their agreement (the
 * highest per image, and how many pairs reach each threshold); for a sample of images, the
 * agreement of the stored vectors with those of re-made copies (re-encoded as JPEG on white, and
 * scaled to half size). A threshold merges no distinct images when it is above the highest
 * distinct-pair agreement.
 */
public final class DedupeBenchmark {
    /** The copies a user indexes by accident: the same picture saved as JPEG, or at half size. */
    public enum Copy { JPEG, HALF_SIZE }

    public record Result(int images, int distinctPairs, double maxDistinctAgreement, List<Double> distinctPercentiles,
                         Map<String, Long> distinctPairsAtLeast, Map<String, List<Double>> copyPercentiles,
                         Map<String, Double> copyMin, int copiesMeasured) {}

    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 100};

    private final SearchCollection collection;
    private final SearchPipeline pipeline;

    public DedupeBenchmark(SearchCollection collection) {
        this.collection = collection;
        this.pipeline = collection.pipeline();
    }

    public Result run(List<Double> thresholds, int copySample) throws IOException {
        List<ImageHit> hits = new ArrayList<>();
        collection.index().forEachImage(hits::add);
        List<float[][]> vectors = new ArrayList<>(hits.size());
        for (ImageHit h : hits) {
            vectors.add(collection.index().queryVectors(h.id()).orElseThrow());
        }
        double[] best = new double[hits.size()];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        Map<String, Long> atLeast = new LinkedHashMap<>();
        thresholds.forEach(t -> atLeast.put(Double.toString(t), 0L));
        int pairs = 0;
        for (int i = 0; i < hits.size(); i++) {
            for (int j = i + 1; j < hits.size(); j++) {
                if (hits.get(i).contentHash().equals(hits.get(j).contentHash())) {
                    continue;
                }
                double a = Deduplicator.agreement(vectors.get(i), vectors.get(j));
                pairs++;
                best[i] = Math.max(best[i], a);
                best[j] = Math.max(best[j], a);
                for (double t : thresholds) {
                    if (a >= t) {
                        atLeast.merge(Double.toString(t), 1L, Long::sum);
                    }
                }
            }
        }
        Map<String, List<Double>> copyPercentiles = new LinkedHashMap<>();
        Map<String, Double> copyMin = new LinkedHashMap<>();
        int stride = Math.max(1, hits.size() / Math.max(1, copySample));
        int measured = 0;
        for (Copy copy : Copy.values()) {
            List<Double> agreements = new ArrayList<>();
            for (int i = 0; i < hits.size() && agreements.size() < copySample; i += stride) {
                byte[] bytes = remake(Files.readAllBytes(pipeline.resolveImage(hits.get(i))), copy);
                agreements.add(Deduplicator.agreement(vectors.get(i), queryVectors(bytes)));
            }
            double[] a = agreements.stream().mapToDouble(Double::doubleValue).toArray();
            copyPercentiles.put(copy.name().toLowerCase(), percentiles(a));
            copyMin.put(copy.name().toLowerCase(), Arrays.stream(a).min().orElse(Double.NaN));
            measured = a.length;
        }
        double[] finite = Arrays.stream(best).filter(Double::isFinite).toArray();
        return new Result(hits.size(), pairs, Arrays.stream(finite).max().orElse(Double.NaN), percentiles(finite),
                atLeast, copyPercentiles, copyMin, measured);
    }

    private float[][] queryVectors(byte[] bytes) {
        try {
            ImageFeatures f = collection.encoder().encodeImage(bytes);
            float[][] out = new float[f.numQueries()][];
            for (int q = 0; q < out.length; q++) {
                out[q] = f.query(q);
            }
            return out;
        } catch (ImageDecodeException e) {
            throw new IllegalStateException("an indexed image no longer decodes: " + e.getMessage(), e);
        }
    }

    /** The copy drawn over white (the bundle's alpha rule), then saved as JPEG or PNG. */
    static byte[] remake(byte[] original, Copy copy) throws IOException {
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(original));
        int w = copy == Copy.HALF_SIZE ? Math.max(1, src.getWidth() / 2) : src.getWidth();
        int h = copy == Copy.HALF_SIZE ? Math.max(1, src.getHeight() / 2) : src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, copy == Copy.JPEG ? "jpg" : "png", bytes);
        return bytes.toByteArray();
    }

    private static List<Double> percentiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        List<Double> out = new ArrayList<>();
        for (double p : PERCENTILES) {
            out.add(sorted.length == 0 ? Double.NaN : Percentiles.of(sorted, p / 100));
        }
        return out;
    }

    public static List<Double> percentileLevels() {
        return Arrays.stream(PERCENTILES).boxed().toList();
    }
}
