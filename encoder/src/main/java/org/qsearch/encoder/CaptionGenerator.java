package org.qsearch.encoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Captions and answers from trunk tokens, BLIP-2 style: the caption_prefix
 * graph turns an image into 32 soft-prompt embeddings, which go before the
 * embedded [BOS] + prompt tokens into the LLM; decoding then runs one token at
 * a time on the KV cache. Greedy decoding is batched across images; beam
 * search keeps one image's beams as the batch.
 */
public final class CaptionGenerator implements AutoCloseable {
    /** A generated text and its token ids (the stop token included when it was produced). */
    public record Caption(String text, long[] tokenIds) {}

    /**
     * @param beams        1 = greedy
     * @param maxNewTokens tokens generated at most
     * @param minNewTokens the stop token is blocked before this many tokens
     */
    public record Settings(int beams, int maxNewTokens, int minNewTokens) {
        public static final Settings GREEDY = new Settings(1, 30, 0);

        public Settings {
            if (beams < 1 || maxNewTokens < 1 || minNewTokens < 0 || minNewTokens > maxNewTokens) {
                throw new IllegalArgumentException("need beams >= 1, maxNewTokens >= 1, 0 <= minNewTokens <= max");
            }
        }
    }

    private final ModelBundle bundle;
    private final ModelBundle.LlmSpec llm;
    private final OnnxSessions sessions;
    private final TextTokenizer tokenizer;
    private final List<String> llmInputs;
    private final List<String> llmOutputs;

    CaptionGenerator(ModelBundle bundle, OnnxSessions sessions) {
        this.bundle = bundle;
        this.llm = bundle.llm();
        this.sessions = sessions;
        this.tokenizer = TextTokenizer.llm(bundle);
        this.llmInputs = Graph.LLM.inputNames(llm.layers());
        this.llmOutputs = Graph.LLM.outputNames(llm.layers());
    }

    /** A caption for each image with the bundle's caption prompt. */
    public List<Caption> caption(List<float[]> imageTokens, Settings settings) {
        return generate(imageTokens, llm.captionPrompt(), settings);
    }

    /** An answer to a question about one image, with the bundle's question prompt. */
    public Caption ask(float[] imageTokens, String question, Settings settings) {
        if (question == null || question.isBlank()) {
            throw new IllegalArgumentException("empty question");
        }
        return generate(List.of(imageTokens), llm.questionPrompt().replace("{}", question.strip()), settings)
                .getFirst();
    }

    /** Generates after [soft prompt ; BOS ; prompt] for each image. An empty prompt is allowed. */
    public List<Caption> generate(List<float[]> imageTokens, String prompt, Settings settings) {
        if (imageTokens.isEmpty()) {
            return List.of();
        }
        long[] promptIds = promptIds(prompt);
        if (bundle.dims().numQueries() + promptIds.length + settings.maxNewTokens() > llm.maxPositions()) {
            throw new IllegalArgumentException("prompt of " + promptIds.length + " tokens plus "
                    + settings.maxNewTokens() + " new tokens exceeds the LLM's " + llm.maxPositions() + " positions");
        }
        float[] prefix = prefixEmbeds(imageTokens);
        if (settings.beams() == 1) {
            return greedy(prefix, imageTokens.size(), promptIds, settings);
        }
        int per = bundle.dims().numQueries() * bundle.dims().llmWidth();
        List<Caption> out = new ArrayList<>();
        for (int i = 0; i < imageTokens.size(); i++) {
            out.add(beam(Arrays.copyOfRange(prefix, i * per, (i + 1) * per), promptIds, settings));
        }
        return out;
    }

    private long[] promptIds(String prompt) {
        long[] body = prompt == null || prompt.isBlank() ? new long[0] : tokenizer.encode(prompt);
        long[] ids = new long[body.length + 1];
        ids[0] = llm.bosTokenId();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    /** The LLM tokenizer (prompts, decoding). */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** The LLM's next-token logits after plain text ids, no image (parity checks of llm_embed + llm). */
    float[] lastLogitsOfText(long[] ids) {
        return new Step(1).next(embed(ids, 1), ids.length)[0];
    }

    float[] prefixEmbeds(List<float[]> imageTokens) {
        ModelBundle.Dims d = bundle.dims();
        return OrtTensors.run(sessions, Graph.CAPTION_PREFIX,
                List.of(OrtTensors.Input.floats("image_tokens", OrtTensors.concat(imageTokens), imageTokens.size(),
                        d.tokens(), d.visionWidth())), List.of("prefix_embeds"))[0];
    }

    private float[] embed(long[] ids, int rows) {
        return OrtTensors.run(sessions, Graph.LLM_EMBED,
                List.of(OrtTensors.Input.longs("input_ids", ids, rows, ids.length / rows)),
                List.of("inputs_embeds"))[0];
    }

    /** [prefix_i ; embed(prompt)] for each of `rows` rows, where prefix holds `prefixRows` images. */
    private float[] firstInput(float[] prefix, int rows, long[] promptIds) {
        int dl = bundle.dims().llmWidth();
        int per = bundle.dims().numQueries() * dl;
        float[] promptEmb = embed(promptIds, 1);
        int seq = bundle.dims().numQueries() + promptIds.length;
        float[] out = new float[rows * seq * dl];
        int prefixRows = prefix.length / per;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(prefix, (r % prefixRows) * per, out, r * seq * dl, per);
            System.arraycopy(promptEmb, 0, out, r * seq * dl + per, promptEmb.length);
        }
        return out;
    }

    /** The decoder state of a batch: KV cache per layer and sequence length so far. */
    private final class Step {
        int rows;
        float[][] cache;
        int length;

        Step(int rows) {
            this.rows = rows;
            this.cache = new float[2 * llm.layers()][0];
        }

        /** Runs the llm graph on new embeddings [rows, seq, Dl]; returns the last position's logits [rows][V]. */
        float[][] next(float[] embeds, int seq) {
            int total = length + seq;
            long[] mask = new long[rows * total];
            Arrays.fill(mask, 1L);
            List<OrtTensors.Input> in = new ArrayList<>();
            in.add(OrtTensors.Input.floats("inputs_embeds", embeds, rows, seq, bundle.dims().llmWidth()));
            in.add(OrtTensors.Input.longs("attention_mask", mask, rows, total));
            for (int i = 0; i < cache.length; i++) {
                in.add(OrtTensors.Input.floats(llmInputs.get(2 + i), cache[i], rows, llm.heads(), length,
                        llm.headDim()));
            }
            float[][] out = OrtTensors.run(sessions, Graph.LLM, in, llmOutputs);
            cache = Arrays.copyOfRange(out, 1, out.length);
            length = total;
            int v = llm.vocabSize();
            float[][] last = new float[rows][];
            for (int r = 0; r < rows; r++) {
                int at = (r * seq + seq - 1) * v;
                last[r] = Arrays.copyOfRange(out[0], at, at + v);
            }
            return last;
        }

        /** Keeps the cache rows in `order` (beam search reordering). */
        void reorder(int[] order) {
            int per = llm.heads() * length * llm.headDim();
            for (int i = 0; i < cache.length; i++) {
                float[] src = cache[i];
                float[] dst = new float[order.length * per];
                for (int r = 0; r < order.length; r++) {
                    System.arraycopy(src, order[r] * per, dst, r * per, per);
                }
                cache[i] = dst;
            }
            rows = order.length;
        }
    }

    private List<Caption> greedy(float[] prefix, int rows, long[] promptIds, Settings s) {
        Step step = new Step(rows);
        float[][] logits = step.next(firstInput(prefix, rows, promptIds),
                bundle.dims().numQueries() + promptIds.length);
        List<List<Long>> out = new ArrayList<>();
        boolean[] done = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            out.add(new ArrayList<>());
        }
        for (int t = 0; t < s.maxNewTokens(); t++) {
            long[] next = new long[rows];
            boolean all = true;
            for (int r = 0; r < rows; r++) {
                next[r] = argmax(logits[r], t < s.minNewTokens() ? llm.stopTokenId() : -1);
                if (!done[r]) {
                    out.get(r).add(next[r]);
                    done[r] = next[r] == llm.stopTokenId();
                }
                all &= done[r];
            }
            if (all || t == s.maxNewTokens() - 1) {
                break;
            }
            logits = step.next(embed(next, rows), 1);
        }
        return out.stream().map(ids -> caption(ids.stream().mapToLong(Long::longValue).toArray())).toList();
    }

    private record Hypothesis(long[] ids, double logProb) {
        double score() {
            return logProb / Math.max(1, ids.length); // HF length_penalty 1.0
        }
    }

    private Caption beam(float[] prefix, long[] promptIds, Settings s) {
        int k = s.beams();
        Step step = new Step(1);
        float[][] logits = step.next(firstInput(prefix, 1, promptIds), bundle.dims().numQueries() + promptIds.length);
        List<Hypothesis> live = List.of(new Hypothesis(new long[0], 0));
        List<Hypothesis> finished = new ArrayList<>();
        for (int t = 0; t < s.maxNewTokens(); t++) {
            List<long[]> cand = new ArrayList<>(); // {beam, token, logProb bits}
            for (int b = 0; b < live.size(); b++) {
                double[] lp = logSoftmax(logits[b]);
                if (t < s.minNewTokens()) {
                    lp[(int) llm.stopTokenId()] = Double.NEGATIVE_INFINITY;
                }
                for (int tok : topK(lp, 2 * k)) {
                    cand.add(new long[] {b, tok, Double.doubleToLongBits(live.get(b).logProb() + lp[tok])});
                }
            }
            cand.sort(Comparator.comparingDouble((long[] c) -> -Double.longBitsToDouble(c[2])));
            List<Hypothesis> nextLive = new ArrayList<>();
            List<Integer> order = new ArrayList<>();
            for (long[] c : cand) {
                Hypothesis parent = live.get((int) c[0]);
                long[] ids = Arrays.copyOf(parent.ids(), parent.ids().length + 1);
                ids[ids.length - 1] = c[1];
                Hypothesis h = new Hypothesis(ids, Double.longBitsToDouble(c[2]));
                if (c[1] == llm.stopTokenId()) {
                    finished.add(h);
                } else if (nextLive.size() < k) {
                    nextLive.add(h);
                    order.add((int) c[0]);
                }
                if (nextLive.size() == k) {
                    break;
                }
            }
            finished.sort(Comparator.comparingDouble(h -> -h.score()));
            boolean saturated = finished.size() >= k && !nextLive.isEmpty()
                    && finished.get(k - 1).score() >= nextLive.getFirst().logProb() / (t + 1);
            if (nextLive.isEmpty() || saturated || t == s.maxNewTokens() - 1) {
                live = nextLive;
                break;
            }
            live = nextLive;
            step.reorder(order.stream().mapToInt(Integer::intValue).toArray());
            long[] last = live.stream().mapToLong(h -> h.ids()[h.ids().length - 1]).toArray();
            logits = step.next(embed(last, last.length), 1);
        }
        finished.addAll(live);
        Hypothesis best = finished.stream().max(Comparator.comparingDouble(Hypothesis::score)).orElseThrow();
        return caption(best.ids());
    }

    private Caption caption(long[] ids) {
        long[] body = ids.length > 0 && ids[ids.length - 1] == llm.stopTokenId()
                ? Arrays.copyOf(ids, ids.length - 1) : ids;
        return new Caption(tokenizer.decode(body).strip(), ids);
    }

    private static long argmax(float[] v, long blocked) {
        int best = -1;
        for (int i = 0; i < v.length; i++) {
            if (i != blocked && (best < 0 || v[i] > v[best])) {
                best = i;
            }
        }
        return best;
    }

    private static double[] logSoftmax(float[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : v) {
            sum += Math.exp(x - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] - log;
        }
        return out;
    }

    private static int[] topK(double[] v, int k) {
        java.util.PriorityQueue<Integer> heap = new java.util.PriorityQueue<>(Comparator.comparingDouble(i -> v[i]));
        for (int i = 0; i < v.length; i++) {
            if (v[i] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            heap.add(i);
            if (heap.size() > k) {
                heap.poll();
            }
        }
        return heap.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
