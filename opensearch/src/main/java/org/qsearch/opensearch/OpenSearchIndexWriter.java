package org.qsearch.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qsearch.index.CollectionIndex;
import org.qsearch.index.CollectionIndexWriter;
import org.qsearch.index.GraphMembership;
import org.qsearch.index.ImageRecord;
import org.qsearch.index.IndexSettings;
import org.qsearch.index.IndexSettingsConflictException;
import org.qsearch.index.TextRecord;

/**
 * The OpenSearch backend's {@link CollectionIndexWriter}. Changes are buffered and sent with the
 * bulk API in batches; items the cluster refuses for now (429, 5xx) are sent again with backoff,
 * any other refusal fails the write. The indices never refresh on their own: a {@link #refresh()}
 * or {@link #commit} sends what is buffered and refreshes, and a commit then records its user data
 * in the collection's {@link ClusterMeta}. What the cluster acknowledged is durable there (its
 * translog is synced per request, on the primary and the replicas), so a resumed bulk run finds
 * everything up to the last commit and redoes the rest under the same stable ids. A
 * {@link #rollback()} drops only what was not sent yet. One writer per collection: nothing on
 * the cluster stops a second one (the local store's write lock has no counterpart here).
 */
final class OpenSearchIndexWriter implements CollectionIndexWriter {
    /** Bulk requests of about this many operations or bytes, whichever comes first. */
    private static final int BATCH_OPERATIONS = 256;
    private static final int BATCH_BYTES = 8 << 20;
    private static final long FIRST_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    private static final int FORCE_MERGE_MINUTES = 120;
    /** OpenSearch's limit on a document id, in UTF-8 bytes. */
    private static final int MAX_ID_BYTES = 512;

    /** One bulk operation: its action line and, for an index operation, its document line. */
    private record Operation(String action, String document) {
        int bytes() {
            return action.length() + (document == null ? 0 : document.length()) + 2;
        }
    }

    private final ClusterClient client;
    private final String name;
    private final IndexSettings settings;
    private final OpenSearchIndex index;
    private final List<Operation> pending = new ArrayList<>();
    private int pendingBytes;
    private Map<String, String> committedUserData;

    private OpenSearchIndexWriter(ClusterClient client, String name, ClusterMeta meta) {
        this.client = client;
        this.name = name;
        this.settings = meta.settings();
        this.committedUserData = meta.commit();
        this.index = new OpenSearchIndex(client, name, settings, false);
    }

    /**
     * Opens the collection {@code name}, creating it with {@code requested} (null: it must exist)
     * and {@code shards} x (1 + {@code replicas}) shard copies per index.
     *
     * @throws IndexSettingsConflictException if it exists with other settings
     */
    static OpenSearchIndexWriter open(ClusterClient client, String name, IndexSettings requested, int shards, int replicas)
            throws IOException {
        requireHealthy(client);
        Optional<ClusterMeta> found = ClusterMeta.find(client, name);
        ClusterMeta meta;
        if (found.isEmpty()) {
            if (requested == null) {
                meta = ClusterMeta.read(client, name); // throws: no such collection
            } else {
                meta = new ClusterMeta(requested, Map.of());
                // the texts index first: the images index, which holds the record, marks a finished creation
                createIndex(client, ClusterSchema.texts(name), ClusterSchema.textsIndex(requested, shards, replicas));
                createIndex(client, ClusterSchema.images(name),
                        ClusterSchema.imagesIndex(requested, shards, replicas, meta.toJson()));
            }
        } else {
            meta = found.get();
            if (requested != null && !requested.equals(meta.settings())) {
                throw new IndexSettingsConflictException("the collection " + name + " on the cluster was created with "
                        + meta.settings() + " but is being opened with " + requested);
            }
        }
        OpenSearchIndexWriter writer = new OpenSearchIndexWriter(client, name, meta);
        writer.refreshIndices(); // what a killed writer sent becomes visible, as a resumed run expects to find it
        return writer;
    }

    @Override
    public IndexSettings settings() {
        return settings;
    }

    @Override
    public CollectionIndex index() {
        return index;
    }

    @Override
    public synchronized void putImage(ImageRecord image) throws IOException {
        settings.checkImage(image);
        checkId(image.id());
        ObjectNode document = ClusterSchema.imageDocument(image, GraphMembership.of(image.features(), settings));
        add(new Operation(action("index", ClusterSchema.images(name), image.id()), document.toString()));
    }

    @Override
    public synchronized void putText(TextRecord text) throws IOException {
        settings.checkText(text);
        checkId(text.id());
        add(new Operation(action("index", ClusterSchema.texts(name), text.id()), ClusterSchema.textDocument(text).toString()));
    }

    @Override
    public synchronized void deleteImage(String id) throws IOException {
        add(new Operation(action("delete", ClusterSchema.images(name), id), null));
    }

    @Override
    public synchronized void deleteText(String id) throws IOException {
        add(new Operation(action("delete", ClusterSchema.texts(name), id), null));
    }

    @Override
    public synchronized void refresh() throws IOException {
        send();
        refreshIndices();
    }

    @Override
    public synchronized void commit(Map<String, String> userData) throws IOException {
        refresh();
        Map<String, String> merged = new HashMap<>(committedUserData);
        merged.putAll(userData);
        ClusterMeta meta = new ClusterMeta(settings, merged);
        meta.write(client, name);
        committedUserData = meta.commit();
    }

    @Override
    public synchronized Map<String, String> committedUserData() {
        return committedUserData;
    }

    @Override
    public synchronized void forceMerge(int maxSegments) throws IOException {
        send();
        client.sendLong("POST", "/" + indices() + "/_forcemerge?max_num_segments=" + maxSegments, FORCE_MERGE_MINUTES);
        commit();
    }

    /**
     * Drops what was not sent yet and closes. Unlike the local store's, batches already sent stay
     * on the cluster and the next refresh shows them; they carry stable ids, so a rerun of the
     * same input replaces them.
     */
    @Override
    public synchronized void rollback() throws IOException {
        pending.clear();
        pendingBytes = 0;
        client.close();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            commit();
        } finally {
            client.close();
        }
    }

    /** Refused here, as the one item it is, rather than by the cluster with the batch it is sent in. */
    private static void checkId(String id) {
        if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("an id on an OpenSearch cluster is at most " + MAX_ID_BYTES + " bytes: "
                    + id.substring(0, Math.min(40, id.length())) + "...");
        }
    }

    private void add(Operation operation) throws IOException {
        pending.add(operation);
        pendingBytes += operation.bytes();
        if (pending.size() >= BATCH_OPERATIONS || pendingBytes >= BATCH_BYTES) {
            send();
        }
    }

    /** Sends the buffered operations; those refused for now go again, in order, after a backoff. */
    private void send() throws IOException {
        List<Operation> batch = new ArrayList<>(pending);
        pending.clear();
        pendingBytes = 0;
        Backoff backoff = new Backoff(FIRST_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS);
        while (!batch.isEmpty()) {
            StringBuilder lines = new StringBuilder();
            for (Operation operation : batch) {
                lines.append(operation.action()).append('\n');
                if (operation.document() != null) {
                    lines.append(operation.document()).append('\n');
                }
            }
            JsonNode answer = client.sendLines("POST", "/_bulk", lines.toString());
            List<Operation> again = new ArrayList<>();
            if (answer.path("errors").asBoolean()) {
                JsonNode items = answer.path("items");
                for (int i = 0; i < batch.size(); i++) {
                    JsonNode result = items.get(i).elements().next();
                    int status = result.path("status").asInt();
                    boolean deleteOfAbsent = status == 404 && batch.get(i).document() == null;
                    if (status < 300 || deleteOfAbsent) {
                        continue;
                    }
                    if (status != 429 && status < 500) {
                        throw new IOException("OpenSearch refused " + result.path("_id").asText() + " in "
                                + result.path("_index").asText() + " (" + status + "): " + result.path("error"));
                    }
                    again.add(batch.get(i));
                }
            }
            if (!again.isEmpty()) {
                if (backoff.exhausted()) {
                    throw new IOException("OpenSearch kept refusing " + again.size() + " bulk operations after "
                            + Backoff.ATTEMPTS + " attempts (it is overloaded or lost shards)");
                }
                backoff.pause();
            }
            batch = again;
        }
    }

    private void refreshIndices() throws IOException {
        client.send("POST", "/" + indices() + "/_refresh", null);
    }

    private String indices() {
        return ClusterSchema.images(name) + "," + ClusterSchema.texts(name);
    }

    private static String action(String verb, String index, String id) {
        ObjectNode action = ClusterClient.JSON.createObjectNode();
        action.putObject(verb).put("_index", index).put("_id", id);
        return action.toString();
    }

    /** A clear error while the cluster cannot take writes: unreachable, or red (some primary shard lost). */
    private static void requireHealthy(ClusterClient client) throws IOException {
        // under the client's 30 s answer timeout; a cluster still red at the end answers 408
        JsonNode health = client.send("GET", "/_cluster/health?wait_for_status=yellow&timeout=10s", null, 408);
        if (health == null || "red".equals(health.path("status").asText()) || health.path("timed_out").asBoolean()) {
            throw new IOException("the OpenSearch cluster at " + client.nodes() + " is red (some primary shards are "
                    + "unassigned) or not yet yellow after 10 s: writes would fail; see GET /_cluster/health");
        }
    }

    private static void createIndex(ClusterClient client, String index, ObjectNode body) throws IOException {
        if (client.send("GET", "/" + index + "/_settings", null, 404) == null) {
            client.send("PUT", "/" + index, body);
        }
    }
}
