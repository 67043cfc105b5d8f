package org.qsearch.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The folder an index's image URIs are relative to, and the one rule for staying inside it. A URI
 * is data (from a manifest, an API request, the index itself), so it names a file only when that
 * file is under the root both as text ("../x", "/etc/passwd" are not) and as the file it really
 * is: the real paths are compared, so a link inside the collection that points outside is not.
 */
public final class CollectionRoot {
    private final Path root;

    public CollectionRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path path() {
        return root;
    }

    /**
     * The file {@code uri} names. A file that does not exist passes on its text alone (reading it
     * then fails as not found).
     *
     * @throws SecurityException when the URI, or a link on its way, leads outside the root
     */
    public Path resolve(String uri) {
        Path file = root.resolve(uri).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new SecurityException("\"" + uri + "\" is not a file inside the collection");
        }
        try {
            if (!file.toRealPath().startsWith(root.toRealPath())) {
                throw new SecurityException("\"" + uri + "\" links outside the collection");
            }
        } catch (NoSuchFileException e) {
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A file's URI: its location relative to the root, '/'-separated whatever the platform. */
    public String uri(Path file) {
        return root.relativize(file.toAbsolutePath().normalize()).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
