package org.qsearch.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qsearch.index.SearchTrace;

/** Wall time of one request's steps, in the order they ran. Not shared between threads. */
final class StepTimes {
    private final long start = System.nanoTime();
    private final Map<String, Double> ms = new LinkedHashMap<>();
    private long last = start;

    /** Ends step {@code name}: the time since the previous step ended. */
    void step(String name) {
        long now = System.nanoTime();
        ms.merge(name, (now - last) / 1e6, Double::sum);
        last = now;
    }

    /** Ends an index search: its candidate gathering is "ann", the rest (exact rescoring, stored fields) "rescore". */
    void search(SearchTrace trace) {
        long now = System.nanoTime();
        long ann = Math.min(trace.candidatesNanos(), now - last);
        ms.merge("ann", ann / 1e6, Double::sum);
        ms.merge("rescore", (now - last - ann) / 1e6, Double::sum);
        last = now;
    }

    /** The steps and the total, or nothing when they are not wanted. */
    Map<String, Double> report(boolean wanted) {
        if (!wanted) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>(ms);
        out.put("total", (System.nanoTime() - start) / 1e6);
        return Collections.unmodifiableMap(out);
    }
}
