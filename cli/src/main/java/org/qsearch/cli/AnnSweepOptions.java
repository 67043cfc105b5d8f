package org.qsearch.cli;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.qsearch.index.VectorFormat;
import picocli.CommandLine.Option;

/** The recall sweep the ANN benchmarks share: k, the over-fetch factors and the vector formats. */
final class AnnSweepOptions {
    @Option(names = "--k", defaultValue = "10", description = "results per query (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--over-fetch", split = ",", defaultValue = "1,5,20",
            description = "k' as multiples of k (default: ${DEFAULT-VALUE})")
    int[] overFetch;

    @Option(names = "--formats", split = ",", defaultValue = "float32,int8,int4,int1", converter = IndexCommand.VectorFormats.class,
            description = "vector formats (default: ${DEFAULT-VALUE})")
    VectorFormat[] formats;

    /** The over-fetch factors as given on a command line: "1,5,20". */
    String overFetchList() {
        return Arrays.stream(overFetch).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
