package org.qsearch.indexer.bulk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.qsearch.index.ContentHash;

/**
 * Ids that stay the same from one run to the next, so that a re-run finds what an earlier run
 * indexed: an image's from its URI relative to the collection root (not its content: a changed
 * file is an update of the same image), a text's from its words.
 */
public final class StableIds {
    /** 128 bits: collisions are out of reach for any collection. */
    private static final int HEX_CHARS = 32;

    private StableIds() {}

    public static String image(String uri) {
        return sha256("image:" + uri).substring(0, HEX_CHARS);
    }

    public static String text(String text) {
        return sha256("text:" + text).substring(0, HEX_CHARS);
    }

    /** The text made of an image's {@code index}-th caption (or its generated one, index -1). */
    public static String caption(String imageId, int index) {
        return imageId + (index < 0 ? "#generated" : "#" + index);
    }

    /** The ids of every text an image with {@code captions} captions made of them (and of its generated one). */
    public static List<String> captionTexts(String imageId, int captions) {
        List<String> ids = new ArrayList<>(captions + 1);
        for (int c = 0; c < captions; c++) {
            ids.add(caption(imageId, c));
        }
        ids.add(caption(imageId, -1));
        return ids;
    }

    private static String sha256(String s) {
        return ContentHash.of(s.getBytes(StandardCharsets.UTF_8));
    }
}
