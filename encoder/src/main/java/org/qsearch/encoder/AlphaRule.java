package org.qsearch.encoder;

/** What happens to transparent pixels before an image reaches the model (bundle.json image.alpha). */
public enum AlphaRule {
    /** PIL's convert("RGB"): alpha dropped, hidden colours shown (real BLIP-2 checkpoints). */
    DROP,
    /** Composited over opaque white with PIL's alpha_composite arithmetic (the tiny emoji model). */
    WHITE;

    static AlphaRule parse(String value) {
        return switch (value) {
            case "drop" -> DROP;
            case "white" -> WHITE;
            default -> throw new IllegalArgumentException("alpha must be \"drop\" or \"white\", got \"" + value + "\"");
        };
    }
}
