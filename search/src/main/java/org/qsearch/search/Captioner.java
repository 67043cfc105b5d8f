package org.qsearch.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.CaptionGenerator;
import org.qsearch.encoder.ImageDecodeException;
import org.qsearch.index.ImageHit;
import org.qsearch.index.ImageTokenSource;

/**
 * Captions for results and for the caption command: stored captions as they are; generated ones
 * cached by image content (sha256 of the source bytes, which the index records as the content
 * hash) and decoding settings, so one image indexed under two names is captioned once.
 */
final class Captioner {
    /** The trunk tokens of one image, computed only when the cache misses. */
    interface Tokens {
        float[] get() throws ImageDecodeException;
    }

    private record Key(String contentHash, GenerationOptions generation) {}

    private final Blip2Encoder encoder;
    private final ImageTokenSource tokens;
    private final BoundedCache<Key, String> cache;
    private final AtomicLong generated = new AtomicLong();

    Captioner(Blip2Encoder encoder, ImageTokenSource tokens, int cacheSize) {
        this.encoder = encoder;
        this.tokens = tokens;
        this.cache = new BoundedCache<>(cacheSize);
    }

    /** Images captioned by the model so far (cache misses); for tests and metrics. */
    long generated() {
        return generated.get();
    }

    /**
     * A snippet caption per hit: its first human caption, else its stored generated caption, else
     * a generated one (greedy, the page's misses in one batch). Null where none can be had (the
     * bundle has no caption graphs).
     */
    List<String> snippets(List<ImageHit> hits) {
        List<String> out = new ArrayList<>(hits.size());
        Map<Key, ImageHit> missing = new LinkedHashMap<>();
        for (ImageHit hit : hits) {
            String stored = !hit.captions().isEmpty() ? hit.captions().getFirst() : hit.generatedCaption();
            Key key = new Key(hit.contentHash(), GenerationOptions.SNIPPET);
            String caption = stored != null ? stored : cache.get(key);
            if (caption == null && encoder.hasCaptions()) {
                missing.putIfAbsent(key, hit);
            }
            out.add(caption);
        }
        if (missing.isEmpty()) {
            return out;
        }
        List<Key> keys = List.copyOf(missing.keySet());
        List<CaptionGenerator.Caption> made = encoder.captions().caption(tokens.tokens(List.copyOf(missing.values())),
                GenerationOptions.SNIPPET.settings());
        generated.addAndGet(keys.size());
        Map<Key, String> fresh = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            fresh.put(keys.get(i), made.get(i).text());
            cache.put(keys.get(i), made.get(i).text());
        }
        // from what was just made, not from the cache: a small cache may already have evicted it
        for (int i = 0; i < hits.size(); i++) {
            if (out.get(i) == null) {
                out.set(i, fresh.get(new Key(hits.get(i).contentHash(), GenerationOptions.SNIPPET)));
            }
        }
        return out;
    }

    /** A generated caption of one image (never a stored one: the caller asked the model). */
    String caption(String contentHash, Tokens imageTokens, GenerationOptions generation) throws ImageDecodeException {
        Key key = new Key(contentHash, generation);
        String cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        float[] t = imageTokens.get();
        String text = encoder.captions().caption(List.of(t), generation.settings()).getFirst().text();
        generated.incrementAndGet();
        cache.put(key, text);
        return text;
    }
}
