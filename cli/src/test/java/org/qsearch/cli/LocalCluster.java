package org.qsearch.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The project's local two-node OpenSearch cluster (tools/opensearch/cluster.sh), for the tests of
 * the OpenSearch backend: started on free loopback ports, stopped on close, and killed by the
 * script's watchdog if this JVM dies first.
 */
final class LocalCluster implements AutoCloseable {
    private static final Path SCRIPT = CommandsTest.ROOT.resolve("tools/opensearch/cluster.sh");

    private final Path state;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newHttpClient();

    private LocalCluster(Path state, Map<String, String> env) {
        this.state = state;
        this.env = env;
    }

    /** Starts a fresh cluster whose files live in {@code state} (made readable by the nodes' user). */
    static LocalCluster start(Path state) throws IOException, InterruptedException {
        Files.createDirectories(state);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        script("start", state.toString(), "--owner-pid", Long.toString(ProcessHandle.current().pid()));
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(state.resolve("cluster.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new LocalCluster(state, env);
    }

    /** Both nodes' URLs, comma-separated, as --url takes them. */
    String url() {
        return env.get("URL");
    }

    /** Node {@code n}'s name (node-1, node-2). */
    static String nodeName(int n) {
        return "node-" + n;
    }

    /** The node that is not the elected cluster manager: a two-node cluster keeps its quorum without it. */
    int followerNode() throws IOException, InterruptedException {
        String manager = get("/_cat/cluster_manager?h=node").strip();
        return manager.equals(nodeName(1)) ? 2 : 1;
    }

    void killNode(int n) throws IOException, InterruptedException {
        script("kill-node", state.toString(), Integer.toString(n));
    }

    /** Starts node {@code n} again and waits until the cluster is green with both nodes. */
    void startNode(int n) throws IOException, InterruptedException {
        script("start-node", state.toString(), Integer.toString(n));
    }

    /** A GET against the first live node. */
    String get(String path) throws IOException, InterruptedException {
        IOException last = null;
        for (String url : url().split(",")) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                return response.body();
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script("stop", state.toString());
    }

    private static void script(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("cluster-sh", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("cluster.sh " + args[0] + " did not finish in 5 minutes: " + Files.readString(log));
            }
            if (process.exitValue() != 0) {
                throw new IOException("cluster.sh " + String.join(" ", args) + " failed: " + Files.readString(log));
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
