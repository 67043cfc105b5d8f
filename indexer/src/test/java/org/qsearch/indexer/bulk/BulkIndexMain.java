package org.qsearch.indexer.bulk;

import java.nio.file.Path;
import java.time.Duration;
import org.qsearch.encoder.Blip2Encoder;
import org.qsearch.encoder.EncoderOptions;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.IndexSettings;

/**
 * A bulk run in its own JVM, for the kill test: {@code MODEL INDEX INPUT COMMIT_EVERY}. Prints
 * "started" once the pipeline starts, and the summary at the end.
 */
public final class BulkIndexMain {
    public static void main(String[] args) throws Exception {
        try (Blip2Encoder encoder = Blip2Encoder.open(Path.of(args[0]), EncoderOptions.defaults());
             CollectionIndexWriter writer = CollectionIndexWriter.open(Path.of(args[1]),
                     IndexSettings.forDims(encoder.bundle().dims()))) {
            BulkOptions options = BulkFixtures.options(null).withThreads(1)
                    .withCommits(Integer.parseInt(args[3]), Duration.ofSeconds(1));
            BulkIndexer indexer = new BulkIndexer(encoder, writer, options);
            System.out.println("started");
            System.out.println(indexer.run(new FolderReader(Path.of(args[2]))));
        }
    }
}
