package org.qsearch.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The source files of an index's images. Resolving never leaves the collection ({@link
 * CollectionRoot}'s rule): a stored URI is data, and "../../etc/passwd" or a link pointing
 * outside must not become a file read.
 */
public final class SourceImages {
    private final CollectionRoot root;

    /** @param root the collection folder, or null when unknown (then no source can be read) */
    public SourceImages(Path root) {
        this.root = root == null ? null : new CollectionRoot(root);
    }

    /**
     * The existing source file of a hit.
     *
     * @throws NoSuchFileException when there is no collection root or the file is gone
     * @throws SecurityException   when the URI or a link leads outside the collection root
     */
    public Path resolve(ImageHit hit) throws IOException {
        if (root == null) {
            throw new NoSuchFileException(hit.uri(), null, "no collection root is configured to read image " + hit.id());
        }
        Path file;
        try {
            file = root.resolve(hit.uri());
        } catch (SecurityException e) {
            throw new SecurityException("image " + hit.id() + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "source of image " + hit.id() + " is gone");
        }
        return file;
    }

    public byte[] read(ImageHit hit) throws IOException {
        return Files.readAllBytes(resolve(hit));
    }
}
