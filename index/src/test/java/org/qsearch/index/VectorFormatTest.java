package org.qsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each vector format builds, is recorded, reopens with the recorded settings and searches with exact scores. */
class VectorFormatTest {
    private static final int IMAGES = 400;
    private static final int QUERIES = 20;

    @TempDir
    Path dir;

    @Test
    void everyFormatBuildsReopensAndSearches() throws IOException {
        SyntheticCorpus corpus = new SyntheticCorpus(21, 10);
        List<ImageRecord> images = SyntheticCorpus.images(corpus, IMAGES, false);
        List<float[]> texts = Stream.generate(corpus::text).limit(QUERIES).toList();
        Map<VectorFormat, Long> quantizedBytes = new EnumMap<>(VectorFormat.class);
        for (VectorFormat format : VectorFormat.values()) {
            Path index = dir.resolve(format.name());
            IndexSettings settings = SyntheticCorpus.settings(FeatureMode.RECOMPUTE).withVectorFormat(format);
            try (LuceneIndexWriter writer = LuceneIndexWriter.open(index, settings)) {
                images.forEach(image -> put(writer, image));
            }
            try (LuceneIndexWriter writer = LuceneIndexWriter.open(index)) {
                assertEquals(format, writer.settings().vectorFormat(), "recorded");
                writer.putImage(SyntheticCorpus.record("late", corpus.image(false), null)); // written with the recorded codec
            }
            assertEquals(format == VectorFormat.FLOAT32 ? Lucene99HnswVectorsFormat.class.getSimpleName()
                    : Lucene104HnswScalarQuantizedVectorsFormat.NAME, luceneFormatName(index.resolve("lucene")));
            Map<String, Long> offHeap = offHeapBytes(index.resolve("lucene"));
            quantizedBytes.put(format, offHeap.getOrDefault("veq", 0L));

            try (LuceneIndex searcher = LuceneIndex.open(index)) {
                assertEquals(IMAGES + 1, searcher.imageCount());
                double recall = 0;
                for (float[] text : texts) {
                    Set<String> truth = new HashSet<>(SyntheticCorpus.exactImageRanking(images, text, 10));
                    List<ImageHit> hits = searcher.searchImages(text, SearchRequest.top(10).withCandidates(10));
                    recall += hits.stream().filter(h -> truth.contains(h.id())).count() / 10.0 / QUERIES;
                    for (ImageHit hit : hits) {
                        if (!hit.id().equals("late")) {
                            float exact = images.get(Integer.parseInt(hit.id().substring(4))).features().itc(text);
                            assertEquals(exact, hit.score(), 1e-5, "rescoring reads the float vectors, not the quantized ones");
                        }
                    }
                }
                System.out.printf("%-7s recall@10 with k'=10 over %d images: %.3f; off-heap bytes of the image vectors %s%n",
                        format, IMAGES, recall, offHeap);
                assertTrue(recall > 0.3, format + " recall " + recall);
            }
        }
        assertEquals(0L, quantizedBytes.get(VectorFormat.FLOAT32));
        assertTrue(quantizedBytes.get(VectorFormat.INT8) > quantizedBytes.get(VectorFormat.INT4), quantizedBytes.toString());
        assertTrue(quantizedBytes.get(VectorFormat.INT4) > quantizedBytes.get(VectorFormat.INT1), quantizedBytes.toString());
    }

    private static void put(LuceneIndexWriter writer, ImageRecord image) {
        try {
            writer.putImage(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String luceneFormatName(Path lucene) throws IOException {
        try (FSDirectory directory = FSDirectory.open(lucene); DirectoryReader reader = DirectoryReader.open(directory)) {
            Set<String> names = new HashSet<>();
            for (LeafReaderContext leaf : reader.leaves()) {
                names.add(leaf.reader().getFieldInfos().fieldInfo(IndexSchema.IMAGE_VECTOR)
                        .getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY));
            }
            assertEquals(1, names.size(), names.toString());
            return names.iterator().next();
        }
    }

    /** Off-heap bytes of the image vector field by file extension ("vec" floats, "veq" quantized, "vex" graph). */
    private static Map<String, Long> offHeapBytes(Path lucene) throws IOException {
        try (FSDirectory directory = FSDirectory.open(lucene); DirectoryReader reader = DirectoryReader.open(directory)) {
            Map<String, Long> bytes = Map.of();
            for (LeafReaderContext leaf : reader.leaves()) {
                CodecReader codecReader = (CodecReader) leaf.reader();
                FieldInfo field = codecReader.getFieldInfos().fieldInfo(IndexSchema.IMAGE_VECTOR);
                bytes = KnnVectorsReader.mergeOffHeapByteSizeMaps(bytes, codecReader.getVectorReader().getOffHeapByteSize(field));
            }
            return new TreeMap<>(bytes);
        }
    }
}
