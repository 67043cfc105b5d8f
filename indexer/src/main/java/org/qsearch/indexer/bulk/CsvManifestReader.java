package org.qsearch.indexer.bulk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A CSV manifest with a header row. Columns {@code image} or {@code text} (one of them per row),
 * optional {@code id} and {@code captions} (several separated by '|'); every other column
 * becomes a metadata string. Fields may be double-quoted (with "" for a quote); a quoted field
 * cannot span lines. A row with the wrong number of fields is reported with its line number.
 */
public final class CsvManifestReader extends LineManifestReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RESERVED = List.of("image", "text", "id", "captions");

    public CsvManifestReader(Path manifest) {
        super(manifest, 1);
    }

    @Override
    EntryParser start(BufferedReader in) throws IOException {
        String headerLine = in.readLine();
        List<String> header = headerLine == null ? List.of()
                : fields(headerLine.startsWith("\uFEFF") ? headerLine.substring(1) : headerLine)
                        .stream().map(String::strip).toList();
        if (!header.contains("image") && !header.contains("text")) {
            throw new IOException(manifest + ": the CSV header must name an \"image\" or a \"text\" column, it is "
                    + header);
        }
        return (line, number) -> parse(header, line, number);
    }

    private SourceItem parse(List<String> header, String line, int number) {
        List<String> row = fields(line);
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("has " + row.size() + " fields, the header has " + header.size());
        }
        ObjectNode metadata = JSON.createObjectNode();
        for (int i = 0; i < header.size(); i++) {
            if (!RESERVED.contains(header.get(i)) && !row.get(i).isEmpty()) {
                metadata.put(header.get(i), row.get(i));
            }
        }
        String captions = column(header, row, "captions");
        return ManifestEntries.item(manifest.root(), manifest.toString(), number, column(header, row, "image"),
                column(header, row, "text"), column(header, row, "id"),
                captions == null ? List.of() : Arrays.asList(captions.split("\\|")),
                metadata.isEmpty() ? null : metadata.toString());
    }

    private static String column(List<String> header, List<String> row, String name) {
        int i = header.indexOf(name);
        return i < 0 || row.get(i).isEmpty() ? null : row.get(i);
    }

    /** Splits one line into fields (RFC 4180 quoting within the line). */
    static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        fields.add(field.toString());
        return fields;
    }
}
