package org.qsearch.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.qsearch.index.IndexSettings;

/**
 * What a collection on the cluster records beside its documents, in the images index's mapping
 * {@code _meta} (cluster state, so every node and every later open reads the same): the layout
 * format, the index settings it was created with, and the user data of its last commit.
 */
record ClusterMeta(IndexSettings settings, Map<String, String> commit) {
    ClusterMeta {
        commit = Map.copyOf(commit);
    }

    /** The collection's record, or empty when the cluster has no collection of that name. */
    static Optional<ClusterMeta> find(ClusterClient client, String name) throws IOException {
        JsonNode mappings = client.send("GET", "/" + ClusterSchema.images(name) + "/_mapping", null, 404);
        if (mappings == null || !mappings.fields().hasNext()) {
            return Optional.empty();
        }
        JsonNode meta = mappings.fields().next().getValue().path("mappings").path("_meta").path("qsearch");
        if (meta.isMissingNode()) {
            throw new IOException("the OpenSearch index " + ClusterSchema.images(name) + " was not made by qsearch");
        }
        int format = meta.path("format").asInt(-1);
        if (format != ClusterSchema.FORMAT) {
            throw new IOException("the collection " + name + " on the cluster has layout " + format + "; this qsearch reads "
                    + ClusterSchema.FORMAT);
        }
        Map<String, String> commit = new LinkedHashMap<>();
        meta.path("commit").properties().forEach(e -> commit.put(e.getKey(), e.getValue().asText()));
        return Optional.of(new ClusterMeta(ClusterClient.JSON.treeToValue(meta.path("settings"), IndexSettings.class), commit));
    }

    static ClusterMeta read(ClusterClient client, String name) throws IOException {
        return find(client, name).orElseThrow(() -> new IllegalArgumentException("no collection " + name
                + " on the OpenSearch cluster at " + client.nodes() + ": build one with `qsearch index --backend opensearch`"));
    }

    /** The mapping's {@code _meta} value. */
    ObjectNode toJson() {
        ObjectNode root = ClusterClient.JSON.createObjectNode();
        ObjectNode meta = root.putObject("qsearch").put("format", ClusterSchema.FORMAT);
        meta.set("settings", ClusterClient.JSON.valueToTree(settings));
        ObjectNode data = meta.putObject("commit");
        commit.forEach(data::put);
        return root;
    }

    /** Records this as the collection's state (a mapping update, acknowledged by the cluster manager). */
    void write(ClusterClient client, String name) throws IOException {
        ObjectNode body = ClusterClient.JSON.createObjectNode();
        body.set("_meta", toJson());
        client.send("PUT", "/" + ClusterSchema.images(name) + "/_mapping", body);
    }
}
