package org.qsearch.indexer.bulk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.qsearch.index.CollectionRoot;
import org.qsearch.indexer.ImageSignature;

/**
 * The images of a folder and its subfolders, in name order (so runs are reproducible).
 *
 * <p>A file is taken when its extension is an image extension or its first bytes are an image
 * signature: a PNG named {@code .txt} is indexed. A file with an image extension whose bytes are
 * not an image (an empty file, a text file named {@code .png}) is reported as malformed; any
 * other file is ignored silently. Symbolic links are not followed; each is reported.
 */
public final class FolderReader implements InputReader {
    private final CollectionRoot root;

    public FolderReader(Path root) {
        this.root = new CollectionRoot(root);
    }

    @Override
    public Path root() {
        return root.path();
    }

    /** Files with an image extension: exact unless images hide behind other extensions. */
    @Override
    public OptionalLong size() throws IOException {
        try (Stream<Path> files = Files.walk(root.path())) {
            return OptionalLong.of(files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .filter(ImageSignature::hasImageExtension).count());
        }
    }

    @Override
    public void read(Sink sink) throws IOException, InterruptedException {
        visit(root.path(), sink);
    }

    private void visit(Path dir, Sink sink) throws IOException, InterruptedException {
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.sorted().toList();
        }
        for (Path entry : entries) {
            if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                visit(entry, sink);
            } else if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                offer(entry, sink);
            } else if (Files.isSymbolicLink(entry)) {
                // said, not silent: a user who linked images in expects them indexed
                sink.malformed(new ItemError(entry.toString(), null, "symbolic link, not followed"));
            }
        }
    }

    private void offer(Path file, Sink sink) throws InterruptedException {
        boolean namedLikeImage = ImageSignature.hasImageExtension(file);
        boolean looksLikeImage;
        try {
            looksLikeImage = Files.size(file) > 0 && ImageSignature.startsLikeImage(file);
        } catch (IOException e) {
            sink.malformed(new ItemError(file.toString(), null, "cannot read: " + e));
            return;
        }
        if (looksLikeImage) {
            sink.item(new SourceItem.Image(file.toString(), null, file, root.uri(file), null,
                    List.of(), null));
        } else if (namedLikeImage) {
            sink.malformed(new ItemError(file.toString(), null, emptyOrNot(file)));
        }
    }

    private static String emptyOrNot(Path file) {
        try {
            return Files.size(file) == 0 ? "empty file" : "not an image: no PNG, JPEG, GIF, BMP or WebP signature";
        } catch (IOException e) {
            return "cannot read: " + e;
        }
    }
}
