package org.qsearch.bench;

import java.util.Arrays;

/** The order statistics the benchmarks report. */
final class Percentiles {
    private Percentiles() {}

    /** The value at fraction {@code p} (0.5: median, 0.99: p99) of ascending {@code sorted}. */
    static double of(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    static double of(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    /** The median, the mean of the middle two for an even count. */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
