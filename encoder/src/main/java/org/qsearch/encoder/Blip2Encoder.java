package org.qsearch.encoder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * BLIP-2 from a model bundle: images to trunk tokens and ITC query vectors,
 * texts to ITC vectors, (image, text) pairs to ITM logits, and captions.
 * Thread-safe: sessions and tokenizers are shared; every call has its own tensors.
 */
public final class Blip2Encoder implements AutoCloseable {
    private final ModelBundle bundle;
    private final OnnxSessions sessions;
    private final TextTokenizer tokenizer;
    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final CaptionGenerator captions;

    private Blip2Encoder(ModelBundle bundle, EncoderOptions options) {
        this.bundle = bundle;
        this.decoder = new ImageDecoder(options.maxPixels(), bundle.image().size());
        this.preprocessor = new ImagePreprocessor(bundle.image());
        this.sessions = new OnnxSessions(bundle, options);
        try {
            this.tokenizer = TextTokenizer.qformer(bundle);
        } catch (RuntimeException e) {
            sessions.close();
            throw e;
        }
        try {
            this.captions = bundle.hasCaptions() ? new CaptionGenerator(bundle, sessions) : null;
        } catch (RuntimeException e) {
            tokenizer.close();
            sessions.close();
            throw e;
        }
    }

    /** Loads and checks the bundle in DIR and starts its sessions. */
    public static Blip2Encoder open(Path dir, EncoderOptions options) {
        return new Blip2Encoder(ModelBundle.load(dir), options);
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public String executionProvider() {
        return sessions.provider();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** Decodes image bytes and applies the bundle's preprocessing: float32 [3, S, S]. */
    public float[] preprocess(byte[] imageBytes) throws ImageDecodeException {
        return preprocess(decode(imageBytes));
    }

    /** Decodes image bytes to upright pixels (size cap, format and damage checks; huge images subsampled). */
    public RgbaPixels decode(byte[] imageBytes) throws ImageDecodeException {
        return decoder.decode(imageBytes);
    }

    /** The bundle's preprocessing of decoded pixels: float32 [3, S, S]. */
    public float[] preprocess(RgbaPixels pixels) {
        return preprocessor.apply(pixels);
    }

    public ImageFeatures encodeImage(byte[] imageBytes) throws ImageDecodeException {
        return encodePixels(List.of(preprocess(imageBytes))).getFirst();
    }

    /** A batch of preprocessed images -> trunk tokens and ITC query vectors. */
    public List<ImageFeatures> encodePixels(List<float[]> pixels) {
        if (pixels.isEmpty()) {
            return List.of();
        }
        int s = preprocessor.size();
        ModelBundle.Dims d = bundle.dims();
        int b = pixels.size();
        float[] tokens = OrtTensors.run(sessions, Graph.VISION,
                List.of(OrtTensors.Input.floats("pixel_values", OrtTensors.concat(pixels), b, 3, s, s)),
                List.of("image_tokens"))[0];
        float[] queries = OrtTensors.run(sessions, Graph.ITC_IMAGE,
                List.of(OrtTensors.Input.floats("image_tokens", tokens, b, d.tokens(), d.visionWidth())),
                List.of("query_embeds"))[0];
        int tokLen = d.tokens() * d.visionWidth();
        int qLen = d.numQueries() * d.embedDim();
        List<ImageFeatures> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            out.add(new ImageFeatures(java.util.Arrays.copyOfRange(tokens, i * tokLen, (i + 1) * tokLen),
                    java.util.Arrays.copyOfRange(queries, i * qLen, (i + 1) * qLen), d.numQueries(), d.embedDim()));
        }
        return out;
    }

    /** Texts -> normalized ITC vectors [n][E]. Empty texts are refused. */
    public float[][] encodeTexts(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        TextTokenizer.Batch t = tokenizer.encodeBatch(texts);
        long[] shape = {t.rows(), t.columns()};
        float[] flat = OrtTensors.run(sessions, Graph.ITC_TEXT,
                List.of(OrtTensors.Input.longs("input_ids", OrtTensors.flatten(t.ids()), shape),
                        OrtTensors.Input.longs("attention_mask", OrtTensors.flatten(t.mask()), shape)),
                List.of("text_embeds"))[0];
        return split(flat, t.rows(), bundle.dims().embedDim());
    }

    public boolean hasItm() {
        return sessions.has(Graph.ITM);
    }

    /** ITM logits [n][2] (class 1 = match) for the pairs (imageTokens[i], texts[i]). */
    public float[][] itmLogits(List<float[]> imageTokens, List<String> texts) {
        if (imageTokens.size() != texts.size()) {
            throw new IllegalArgumentException(imageTokens.size() + " images for " + texts.size() + " texts");
        }
        if (texts.isEmpty()) {
            return new float[0][];
        }
        ModelBundle.Dims d = bundle.dims();
        TextTokenizer.Batch t = tokenizer.encodeBatch(texts);
        long[] shape = {t.rows(), t.columns()};
        float[] flat = OrtTensors.run(sessions, Graph.ITM, List.of(
                        OrtTensors.Input.floats("image_tokens", OrtTensors.concat(imageTokens), t.rows(), d.tokens(),
                                d.visionWidth()),
                        OrtTensors.Input.longs("input_ids", OrtTensors.flatten(t.ids()), shape),
                        OrtTensors.Input.longs("attention_mask", OrtTensors.flatten(t.mask()), shape)),
                List.of("itm_logits"))[0];
        return split(flat, t.rows(), 2);
    }

    /** ITM logits of one image against each text. */
    public float[][] itmLogits(float[] imageTokens, List<String> texts) {
        return itmLogits(Collections.nCopies(texts.size(), imageTokens), texts);
    }

    public boolean hasCaptions() {
        return captions != null;
    }

    public CaptionGenerator captions() {
        if (captions == null) {
            throw new UnsupportedOperationException("bundle " + bundle.name() + " has no caption graphs");
        }
        return captions;
    }

    private static float[][] split(float[] flat, int rows, int width) {
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
    }

    @Override
    public void close() {
        if (captions != null) {
            captions.close();
        }
        tokenizer.close();
        sessions.close();
    }
}
