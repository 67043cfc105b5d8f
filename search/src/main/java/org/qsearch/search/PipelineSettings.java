package org.qsearch.search;

import java.util.OptionalDouble;

/**
 * Server-wide limits and knobs of the query pipeline.
 *
 * @param maxK             largest page a request may ask for
 * @param maxRerank        rerank depths above it are capped to it
 * @param overfetch        each kNN query fetches overfetch x (the candidates wanted) before exact
 *                         rescoring: HNSW over child vectors misses true top parents otherwise
 * @param nearDuplicates   when present, dedupe also drops images whose query vectors agree at
 *                         least this much (mean over the queries of the dot product of same-index
 *                         vectors); when empty (the default), only the same content hash is a
 *                         duplicate. Off by default because on the shipped model no threshold
 *                         separates copies from distinct images (docs/design.md, "Dedupe")
 * @param captionCacheSize generated captions kept (least recently used go first)
 * @param rerankBatch      (image, text) pairs per itm graph run
 */
public record PipelineSettings(int maxK, int maxRerank, int overfetch, OptionalDouble nearDuplicates,
                               int captionCacheSize, int rerankBatch) {
    public PipelineSettings {
        if (maxK < 1 || maxRerank < 0 || overfetch < 1 || captionCacheSize < 0 || rerankBatch < 1) {
            throw new IllegalArgumentException("need maxK >= 1, maxRerank >= 0, overfetch >= 1, captionCacheSize >= 0,"
                    + " rerankBatch >= 1");
        }
        if (nearDuplicates.isPresent() && !(nearDuplicates.getAsDouble() > 0 && nearDuplicates.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("near-duplicate agreement must be in (0, 1]: "
                    + nearDuplicates.getAsDouble());
        }
    }

    public static PipelineSettings defaults() {
        return new PipelineSettings(100, 256, 5, OptionalDouble.empty(), 4096, 32);
    }

    public PipelineSettings withNearDuplicates(double agreement) {
        return new PipelineSettings(maxK, maxRerank, overfetch, OptionalDouble.of(agreement), captionCacheSize,
                rerankBatch);
    }

    public PipelineSettings withCaptionCacheSize(int n) {
        return new PipelineSettings(maxK, maxRerank, overfetch, nearDuplicates, n, rerankBatch);
    }

    public PipelineSettings withOverfetch(int n) {
        return new PipelineSettings(maxK, maxRerank, n, nearDuplicates, captionCacheSize, rerankBatch);
    }

    public PipelineSettings withMaxRerank(int n) {
        return new PipelineSettings(maxK, n, overfetch, nearDuplicates, captionCacheSize, rerankBatch);
    }
}
