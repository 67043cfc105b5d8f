package org.qsearch.reranker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qsearch.indexer.ImageHit;

/**
 * The folder an index's image URIs are relative to. Resolving never leaves it: a stored URI is
 * data, and "../../etc/passwd" or a link pointing outside must not become a file read.
 */
public final class SourceImages {
    private final Path root;

    /** @param root the collection folder, or null when unknown (then no source can be read) */
    public SourceImages(Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
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
        Path file = root.resolve(hit.uri()).normalize();
        if (!file.startsWith(root)) {
            throw new SecurityException("image " + hit.id() + " has a URI outside the collection: " + hit.uri());
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "source of image " + hit.id() + " is gone");
        }
        if (!file.toRealPath().startsWith(root.toRealPath())) {
            throw new SecurityException("image " + hit.id() + " links outside the collection: " + hit.uri());
        }
        return file;
    }

    public byte[] read(ImageHit hit) throws IOException {
        return Files.readAllBytes(resolve(hit));
    }
}
