package org.qsearch.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The fields of one API request, whether it came as a JSON object or as a multipart form
 * (where every field is text and the image is a file part): typed accessors that refuse a wrong
 * type with a message naming the field.
 */
final class ApiRequest {
    private final ObjectNode fields;
    private final byte[] uploadedImage;
    private final long maxImageBytes;
    private final ObjectMapper json;

    ApiRequest(ObjectMapper json, ObjectNode fields, byte[] uploadedImage, long maxImageBytes) {
        this.json = json;
        this.fields = fields;
        this.uploadedImage = uploadedImage;
        this.maxImageBytes = maxImageBytes;
    }

    /** Refuses fields this endpoint does not know: a typo would otherwise be silently ignored. */
    void allowOnly(Set<String> known) {
        for (Iterator<String> names = fields.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiProblem.badRequest("unknown field \"" + name + "\"; this endpoint takes " + known.stream().sorted().toList());
            }
        }
    }

    boolean has(String name) {
        JsonNode node = fields.get(name);
        return node != null && !node.isNull();
    }

    /** The query image: the multipart file part, or the JSON field's base64 (a data: URL works too). */
    byte[] image() {
        if (uploadedImage != null) {
            return uploadedImage;
        }
        String text = string("image");
        if (text == null) {
            return null;
        }
        int comma = text.startsWith("data:") ? text.indexOf(',') : -1;
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(text.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("\"image\" is not base64: " + e.getMessage());
        }
        if (bytes.length > maxImageBytes) {
            throw ApiProblem.tooLarge("the image is " + bytes.length + " bytes; the limit is " + maxImageBytes);
        }
        return bytes;
    }

    boolean hasImage() {
        return uploadedImage != null || has("image");
    }

    String string(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiProblem.badRequest("\"" + name + "\" must be a string");
        }
        return node.asText();
    }

    Integer integer(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.canConvertToInt() && node.isIntegralNumber()) {
            return node.intValue();
        }
        if (node.isTextual()) {
            try {
                return Integer.parseInt(node.asText().strip());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw ApiProblem.badRequest("\"" + name + "\" must be an integer, got " + node);
    }

    Double number(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            try {
                return Double.parseDouble(node.asText().strip());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw ApiProblem.badRequest("\"" + name + "\" must be a number, got " + node);
    }

    boolean isBoolean(String name) {
        JsonNode node = fields.get(name);
        return node != null && (node.isBoolean() || node.isTextual() && (node.asText().equals("true") || node.asText().equals("false")));
    }

    Boolean bool(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (isBoolean(name)) {
            return node.isBoolean() ? node.booleanValue() : Boolean.parseBoolean(node.asText());
        }
        throw ApiProblem.badRequest("\"" + name + "\" must be true or false, got " + node);
    }

    /** A JSON object: as is from a JSON body, parsed from its text in a form. */
    ObjectNode object(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            try {
                node = json.readTree(node.asText());
            } catch (JsonProcessingException e) {
                throw ApiProblem.badRequest("\"" + name + "\" is not JSON: " + e.getOriginalMessage());
            }
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiProblem.badRequest("\"" + name + "\" must be an object, got " + node);
        }
        return object;
    }

    /** Vectors: an array of numbers (one vector) or an array of such arrays. */
    float[][] vectors(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiProblem.badRequest("\"" + name + "\" must be a non-empty array of numbers or of arrays of numbers");
        }
        boolean nested = node.get(0).isArray();
        float[][] out = new float[nested ? node.size() : 1][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = nested ? node.get(i) : node;
            if (!row.isArray()) {
                throw ApiProblem.badRequest("\"" + name + "\" mixes numbers and arrays");
            }
            out[i] = new float[row.size()];
            for (int j = 0; j < row.size(); j++) {
                if (!row.get(j).isNumber()) {
                    throw ApiProblem.badRequest("\"" + name + "\" holds a non-number: " + row.get(j));
                }
                out[i][j] = row.get(j).floatValue();
            }
        }
        return out;
    }

    /** An array of objects (empty when absent). */
    List<ObjectNode> objects(String name) {
        JsonNode node = fields.get(name);
        List<ObjectNode> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiProblem.badRequest("\"" + name + "\" must be an array of objects");
        }
        for (JsonNode item : node) {
            if (!(item instanceof ObjectNode object)) {
                throw ApiProblem.badRequest("\"" + name + "\" must be an array of objects, got " + item);
            }
            out.add(object);
        }
        return out;
    }

    /** A list of strings: a JSON array, or in a form one field per value or a comma-separated text. */
    List<String> strings(String name) {
        JsonNode node = fields.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            for (String part : node.asText().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
            return out;
        }
        return stringArray(node, name);
    }

    /** A JSON array of strings (empty when absent), refused with the field's name otherwise. */
    static List<String> stringArray(JsonNode node, String name) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiProblem.badRequest("\"" + name + "\" must be an array of strings");
        }
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw ApiProblem.badRequest("\"" + name + "\" must be an array of strings, got " + item);
            }
            out.add(item.asText());
        }
        return out;
    }
}
