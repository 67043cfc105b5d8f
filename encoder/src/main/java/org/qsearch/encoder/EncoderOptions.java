package org.qsearch.encoder;

/**
 * How the encoder runs: ONNX Runtime threads, CUDA, the decoded-image pixel cap.
 *
 * @param intraOpThreads threads one graph run may use
 * @param cuda           try the CUDA execution provider (needs the gpu build and a GPU)
 * @param cudaDevice     CUDA device index
 * @param maxPixels      images whose header claims more pixels are refused before decoding
 */
public record EncoderOptions(int intraOpThreads, boolean cuda, int cudaDevice, long maxPixels) {
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    public EncoderOptions {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1");
        }
    }

    /** CPU, all cores of the machine, CUDA when the environment variable QSEARCH_CUDA=1. */
    public static EncoderOptions defaults() {
        return new EncoderOptions(Runtime.getRuntime().availableProcessors(),
                "1".equals(System.getenv("QSEARCH_CUDA")), 0, DEFAULT_MAX_PIXELS);
    }

    public EncoderOptions withCuda(boolean on) {
        return new EncoderOptions(intraOpThreads, on, cudaDevice, maxPixels);
    }
}
