package org.qsearch.indexer.bulk;

import java.nio.file.Path;
import java.util.List;
import org.qsearch.index.CollectionRoot;

/** One thing an input names for indexing: an image file or a standalone text. */
public sealed interface SourceItem {
    /** Where the item came from, for the errors file: the image file, or the manifest. */
    String source();

    /** The manifest line (1-based) or null when the item is not from a line-oriented manifest. */
    Integer line();

    /** The id the input gives, or null to derive a stable one. */
    String id();

    String metadataJson();

    /**
     * @param file the image to read
     * @param uri  its location relative to the collection root, with '/' separators (the id derives from it)
     */
    record Image(String source, Integer line, Path file, String uri, String id, List<String> captions,
                 String metadataJson) implements SourceItem {
        public Image {
            captions = captions == null ? List.of() : List.copyOf(captions);
        }

        /**
         * The image {@code uri} names in the collection, as a manifest line or an API write gives
         * it.
         *
         * @throws IllegalArgumentException when the URI, or a link on its way, leads outside the collection
         */
        public static Image inCollection(CollectionRoot root, String source, Integer line, String uri, String id,
                                         List<String> captions, String metadataJson) {
            Path file;
            try {
                file = root.resolve(uri);
            } catch (SecurityException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            return new Image(source, line, file, root.uri(file), id, captions, metadataJson);
        }
    }

    record Text(String source, Integer line, String text, String id, String metadataJson) implements SourceItem {}
}
