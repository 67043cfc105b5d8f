package org.qsearch.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The demo collection: Apple's emoji images (the tiny model's held-out art style) with their
 * names, from the npm package emoji-datasource-apple. The package is fetched with `npm pack`
 * into the same cache as the Python tools use (CACHE/npm/PACKAGE/package), so either side reuses
 * what the other fetched. The collection is CACHE/demo: images/ and a JSONL manifest that gives
 * each image its name as caption and its category as filterable metadata.
 */
public final class DemoCollection {
    static final String PACKAGE = "emoji-datasource-apple";
    private static final String IMAGES = "img/apple/64";
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

    public Path manifest() {
        return dir().resolve("emoji.jsonl");
    }

    public Path index() {
        return dir().resolve("index");
    }

    /** Fetches the package unless cached, then writes the images and the manifest unless already there. */
    public int prepare() throws IOException, InterruptedException {
        Path pkg = fetch();
        if (Files.isRegularFile(manifest())) {
            return (int) Files.lines(manifest()).count();
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode emoji = json.readTree(pkg.resolve("emoji.json").toFile());
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
            ObjectNode line = json.createObjectNode()
                    .put("image", "images/" + file)
                    .put("id", e.path("unified").asText().toLowerCase(Locale.ROOT));
            line.putArray("captions").add(name.toLowerCase(Locale.ROOT));
            line.putObject("metadata")
                    .put("category", e.path("category").asText())
                    .put("subcategory", e.path("subcategory").asText());
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

    /** CACHE/npm/PACKAGE/package, fetched with `npm pack` and unpacked with `tar` unless already there. */
    private Path fetch() throws IOException, InterruptedException {
        Path target = cache.resolve("npm").resolve(PACKAGE);
        Path pkg = target.resolve("package");
        if (Files.isRegularFile(pkg.resolve("emoji.json"))) {
            return pkg;
        }
        Path npmDir = Files.createDirectories(cache.resolve("npm"));
        System.err.println("qsearch demo: fetching " + PACKAGE + " with npm pack (once) ...");
        String tarball = run(npmDir, "npm", "pack", PACKAGE, "--silent").strip();
        tarball = tarball.substring(tarball.lastIndexOf('\n') + 1).strip();
        Files.createDirectories(target);
        run(target, "tar", "-xzf", npmDir.resolve(tarball).toString());
        Files.delete(npmDir.resolve(tarball));
        if (!Files.isRegularFile(pkg.resolve("emoji.json"))) {
            throw new IOException(PACKAGE + " unpacked without emoji.json in " + pkg);
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
