package org.qsearch.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.encoder.ImageFeatures;
import org.qsearch.reranker.Fusion;
import org.qsearch.reranker.ItmScore;
import org.qsearch.reranker.ItmScorer;

/**
 * CLIP-style zero-shot classification: each label fills a prompt template, the image is scored
 * against every prompt with ITC (max over its query vectors) and, when asked, ITM with LAVIS's
 * fusion; the labels come back best first.
 */
public final class ZeroShotClassifier {
    public static final String DEFAULT_TEMPLATE = "a photo of a {}";
    public static final int MAX_LABELS = 1000;

    private final Blip2Encoder encoder;
    private final ItmScorer itm;

    /** @param itm null when the bundle has no itm graph */
    public ZeroShotClassifier(Blip2Encoder encoder, ItmScorer itm) {
        this.encoder = encoder;
        this.itm = itm;
    }

    /** Classifies image bytes (no index needed). */
    public List<LabelScore> classify(byte[] imageBytes, List<String> labels, String template, boolean useItm)
            throws ImageDecodeException {
        if (imageBytes == null || imageBytes.length == 0) {
            throw new IllegalArgumentException("empty image");
        }
        ImageFeatures image = encoder.encodeImage(imageBytes);
        return classify(image, image::imageTokens, labels, template, useItm);
    }

    /**
     * @param queries     the image's ITC query vectors (tokens unused)
     * @param imageTokens the image's trunk tokens, fetched only when ITM is used
     */
    public List<LabelScore> classify(ImageFeatures queries, Supplier<float[]> imageTokens, List<String> labels, String template,
                              boolean useItm) {
        List<String> prompts = prompts(labels, template);
        if (useItm && itm == null) {
            throw new IllegalArgumentException("bundle " + encoder.bundle().name() + " has no itm graph: classify without ITM");
        }
        float[][] texts = encoder.encodeTexts(prompts);
        float[][] logits = useItm ? itm.logits(imageTokens.get(), prompts) : null;
        List<LabelScore> out = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            double itc = queries.itc(texts[i]);
            if (logits == null) {
                out.add(new LabelScore(labels.get(i), itc, null, itc));
            } else {
                ItmScore s = ItmScore.of(itc, logits[i], Fusion.LAVIS, itm.itmWeight());
                out.add(new LabelScore(labels.get(i), itc, s.itmProbability(), s.fused()));
            }
        }
        out.sort(Comparator.comparingDouble((LabelScore s) -> -s.score()));
        return out;
    }

    private static List<String> prompts(List<String> labels, String template) {
        String t = template == null || template.isBlank() ? DEFAULT_TEMPLATE : template;
        if (!t.contains("{}")) {
            throw new IllegalArgumentException("the prompt template must contain {} where the label goes: \"" + t + "\"");
        }
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("classify needs at least one label");
        }
        if (labels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("at most " + MAX_LABELS + " labels, got " + labels.size());
        }
        if (labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw new IllegalArgumentException("empty label");
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("labels repeat: " + labels);
        }
        return labels.stream().map(l -> t.replace("{}", l.strip())).toList();
    }
}
