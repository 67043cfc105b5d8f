package org.qsearch.search;

/**
 * Server-wide limits and knobs of the query pipeline.
 *
 * @param maxK             largest page a request may ask for
 * @param maxRerank        rerank depths above it are capped to it
 * @param overfetch        each kNN query fetches overfetch x (the candidates wanted) before exact
 *                         rescoring: HNSW over child vectors misses true top parents otherwise
 * @param dedupeSimilarity images whose query vectors agree at least this much (mean over the
 *                         queries of the dot product of same-index vectors) count as duplicates
 * @param captionCacheSize generated captions kept (least recently used go first)
 * @param rerankBatch      (image, text) pairs per itm graph run
 */
public record PipelineSettings(int maxK, int maxRerank, int overfetch, double dedupeSimilarity, int captionCacheSize,
                               int rerankBatch) {
    public PipelineSettings {
        if (maxK < 1 || maxRerank < 0 || overfetch < 1 || captionCacheSize < 0 || rerankBatch < 1) {
            throw new IllegalArgumentException("need maxK >= 1, maxRerank >= 0, overfetch >= 1, captionCacheSize >= 0,"
                    + " rerankBatch >= 1");
        }
        if (!(dedupeSimilarity > 0 && dedupeSimilarity <= 1)) {
            throw new IllegalArgumentException("dedupeSimilarity must be in (0, 1]: " + dedupeSimilarity);
        }
    }

    public static PipelineSettings defaults() {
        return new PipelineSettings(100, 256, 5, 0.98, 4096, 32);
    }

    public PipelineSettings withCaptionCacheSize(int n) {
        return new PipelineSettings(maxK, maxRerank, overfetch, dedupeSimilarity, n, rerankBatch);
    }

    public PipelineSettings withOverfetch(int n) {
        return new PipelineSettings(maxK, maxRerank, n, dedupeSimilarity, captionCacheSize, rerankBatch);
    }

    public PipelineSettings withMaxRerank(int n) {
        return new PipelineSettings(maxK, n, overfetch, dedupeSimilarity, captionCacheSize, rerankBatch);
    }
}
