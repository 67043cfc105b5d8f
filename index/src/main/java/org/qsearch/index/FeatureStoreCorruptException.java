package org.qsearch.index;

import java.io.IOException;

/** A feature record or file that fails its checks: bad checksum, wrong header, or missing bytes. */
public final class FeatureStoreCorruptException extends IOException {
    FeatureStoreCorruptException(String message) {
        super(message);
    }
}
