package org.qsearch.indexer.bulk;

import java.nio.file.Path;
import java.util.List;
import org.qsearch.index.CollectionRoot;

/** Turns the fields of one manifest entry (JSONL line, CSV row, COCO image) into an item, with the manifests' shared rules. */
final class ManifestEntries {
    private ManifestEntries() {}

    /**
     * @param image a path relative to {@code root}, or null
     * @param text  a standalone text, or null; exactly one of image and text is required
     * @throws IllegalArgumentException with the reason, when the entry names nothing or both, or
     *                                  an image outside the collection
     */
    static SourceItem item(Path root, String source, Integer line, String image, String text, String id,
                           List<String> captions, String metadataJson) {
        boolean hasImage = image != null && !image.isBlank();
        boolean hasText = text != null && !text.isBlank();
        if (hasImage == hasText) {
            throw new IllegalArgumentException(hasImage ? "has both \"image\" and \"text\"" : "has neither \"image\" nor \"text\"");
        }
        if (id != null && id.isBlank()) {
            throw new IllegalArgumentException("\"id\" is empty");
        }
        // blank captions would be refused by the text encoder; they carry nothing anyway
        List<String> kept = captions.stream().map(String::strip).filter(c -> !c.isEmpty()).toList();
        if (hasText) {
            return new SourceItem.Text(source, line, text.strip(), id, metadataJson);
        }
        return SourceItem.Image.inCollection(new CollectionRoot(root), source, line, image, id, kept, metadataJson);
    }
}
