package io.jinfer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A bundle's {@code manifest.json}, parsed and checked against {@code docs/bundle-format.md}.
 * Unknown fields are ignored; {@link #raw()} keeps the whole document.
 */
public final class Manifest {
    /** The newest bundle format this reader understands. */
    public static final int FORMAT_VERSION = 1;

    public static final String FORMAT = "jinfer-bundle";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Map<Integer, JsonFactory> READERS = new ConcurrentHashMap<>();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern RFC3339 =
            Pattern.compile(
                    "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)");
    private static final Set<String> TASKS = Set.of("classification", "regression", "transform");

    private final JsonNode raw;
    private final String name;
    private final String version;
    private final String task;
    private final String createdAt;
    private final String description;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final List<Object> classes;
    private final List<Artifact> artifacts;

    private Manifest(JsonNode raw) {
        this.raw = raw;
        JsonNode format = present(raw, "format", "format");
        if (!format.isTextual() || !FORMAT.equals(format.asText())) {
            throw invalid("format: expected \"" + FORMAT + "\", got " + format);
        }
        JsonNode fv = present(raw, "format_version", "format_version");
        if (!isLong(fv)) {
            throw invalid("format_version: expected an integer, got " + fv);
        }
        if (fv.asLong() > FORMAT_VERSION) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_VERSION,
                    "bundle format_version "
                            + fv.asLong()
                            + " is newer than this reader (supports "
                            + FORMAT_VERSION
                            + "); upgrade jinfer");
        }
        if (fv.asLong() < 1) {
            throw invalid("format_version: expected 1, got " + fv.asLong());
        }
        this.createdAt = requiredText(raw, "created_at");
        checkTimestamp(createdAt);
        this.task = requiredText(raw, "task");
        if (!TASKS.contains(task)) {
            throw invalid("task: expected one of " + TASKS + ", got \"" + task + "\"");
        }
        this.outputs = specs(raw, "outputs");
        this.name = requiredText(raw, "name");
        this.version = requiredText(raw, "version");
        this.inputs = specs(raw, "inputs");
        this.artifacts = artifacts(raw);
        this.classes = classes(raw);
        JsonNode description = optional(raw, "description");
        if (description != null && !description.isTextual()) {
            throw invalid("description: expected a string, got " + description);
        }
        this.description = description == null ? "" : description.asText();
        JsonNode producer = optional(raw, "producer");
        if (producer != null && !producer.isObject()) {
            throw invalid("producer: expected a JSON object, got " + producer);
        }
    }

    /**
     * Parses and checks a manifest within the default {@link Limits}.
     *
     * @see #parse(byte[], Limits)
     */
    public static Manifest parse(byte[] json) {
        return parse(json, Limits.defaults());
    }

    /**
     * Parses and checks a manifest: strict UTF-8 without a byte order mark, one JSON object nested
     * at most {@link Limits#maxJsonDepth()} deep, no key twice in an object, no lone surrogate in a
     * string, every integer jinfer reads within int64, and the fields of {@code
     * docs/bundle-format.md}.
     *
     * @throws BundleException ({@code INVALID_MANIFEST}, {@code UNSUPPORTED_VERSION}, {@code
     *     UNSAFE_PATH}, {@code BUNDLE_TOO_LARGE}) naming the field at fault
     */
    public static Manifest parse(byte[] json, Limits limits) {
        if (json.length > limits.maxManifestBytes()) {
            throw new BundleException(
                    ErrorCode.BUNDLE_TOO_LARGE,
                    "manifest.json is "
                            + json.length
                            + " bytes, over the bound of "
                            + limits.maxManifestBytes()
                            + " (Limits.maxManifestBytes)");
        }
        String text;
        try {
            text = Utf8.decode(json);
        } catch (CharacterCodingException e) {
            throw invalid("manifest.json is not UTF-8: " + e.getMessage());
        }
        if (text.startsWith("\uFEFF")) {
            throw invalid(
                    "manifest.json is not valid JSON: it starts with a UTF-8 byte order mark,"
                            + " which JSON does not allow");
        }
        JsonNode node;
        try (JsonParser p = reader(limits.maxJsonDepth()).createParser(text)) {
            node = tree(p);
        } catch (JsonProcessingException e) {
            throw invalid("manifest.json is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) { // a String source does no I/O: only the parser's own errors
            throw invalid("manifest.json is not valid JSON: " + e.getMessage());
        }
        if (node == null || node.isMissingNode() || !node.isObject()) {
            throw invalid(
                    "manifest.json: expected a JSON object at the top level, got "
                            + (node == null || node.isMissingNode()
                                    ? "nothing"
                                    : node.getNodeType()));
        }
        checkStrings(node);
        return new Manifest(node);
    }

    /**
     * A strict JSON parser factory whose documents nest at most {@code depth} deep and hold no key
     * twice in an object. The manifest is read with jackson-core's streaming parser, not databind's
     * {@code ObjectMapper}, whose start alone cost a fresh JVM about 0.25 s (docs/decisions.md,
     * "Time to first prediction").
     */
    private static JsonFactory reader(int depth) {
        return READERS.computeIfAbsent(
                depth,
                d ->
                        JsonFactory.builder()
                                .streamReadConstraints(
                                        StreamReadConstraints.builder()
                                                .maxNestingDepth(d)
                                                // Python's json has no bound on keys
                                                .maxNameLength(Integer.MAX_VALUE)
                                                .build())
                                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                                .build());
    }

    /**
     * The document's one value as a tree, as databind's {@code readTree} builds it (integers as the
     * smallest of int, long and BigInteger that holds them, other numbers as double), or null for a
     * document without one. Anything after that value is refused. Iterative: the parser bounds the
     * depth, not the stack.
     */
    private static JsonNode tree(JsonParser p) throws IOException {
        ArrayDeque<ContainerNode<?>> open = new ArrayDeque<>();
        String field = null;
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
            JsonNode value;
            switch (t) {
                case FIELD_NAME -> {
                    field = p.currentName();
                    continue;
                }
                case END_OBJECT, END_ARRAY -> {
                    ContainerNode<?> done = open.pop();
                    if (open.isEmpty()) {
                        return whole(p, done);
                    }
                    continue;
                }
                case START_OBJECT -> value = NODES.objectNode();
                case START_ARRAY -> value = NODES.arrayNode();
                case VALUE_STRING -> value = NODES.textNode(p.getText());
                case VALUE_NUMBER_INT -> value = integer(p);
                case VALUE_NUMBER_FLOAT -> value = NODES.numberNode(p.getDoubleValue());
                case VALUE_TRUE, VALUE_FALSE ->
                        value = NODES.booleanNode(t == JsonToken.VALUE_TRUE);
                case VALUE_NULL -> value = NODES.nullNode();
                default -> throw invalid("manifest.json is not valid JSON: unexpected " + t);
            }
            ContainerNode<?> parent = open.peek();
            if (parent instanceof ObjectNode o) {
                o.set(field, value);
            } else if (parent instanceof ArrayNode a) {
                a.add(value);
            }
            if (value instanceof ContainerNode<?> c) {
                open.push(c);
            } else if (parent == null) {
                return whole(p, value);
            }
        }
        return null;
    }

    private static JsonNode integer(JsonParser p) throws IOException {
        return switch (p.getNumberType()) {
            case INT -> NODES.numberNode(p.getIntValue());
            case LONG -> NODES.numberNode(p.getLongValue());
            default -> NODES.numberNode(p.getBigIntegerValue());
        };
    }

    /** {@code root}, once nothing but white space is left after it. */
    private static JsonNode whole(JsonParser p, JsonNode root) throws IOException {
        JsonToken next = p.nextToken();
        if (next != null) {
            throw invalid(
                    "manifest.json is not valid JSON: trailing content ("
                            + next
                            + ") after the top-level value");
        }
        return root;
    }

    /**
     * Every key and string value is valid Unicode: a lone surrogate (from a \\u escape) is refused.
     */
    private static void checkStrings(JsonNode root) {
        List<JsonNode> todo = new ArrayList<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (n.isTextual()) {
                requireUnicode(n.asText(), "a string");
            } else if (n.isObject()) {
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    requireUnicode(e.getKey(), "a key");
                    todo.add(e.getValue());
                }
            } else if (n.isArray()) {
                n.forEach(todo::add);
            }
        }
    }

    private static void requireUnicode(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(
                        "manifest.json: "
                                + what
                                + " holds a lone surrogate (\\u"
                                + Integer.toHexString(c)
                                + "), which is not Unicode text");
            }
        }
    }

    /** The model's name. */
    public String name() {
        return name;
    }

    /** The model's version, as its author gave it. */
    public String version() {
        return version;
    }

    /** {@code classification}, {@code regression} or {@code transform}. */
    public String task() {
        return task;
    }

    /** When the bundle was exported, an RFC 3339 timestamp. */
    public String createdAt() {
        return createdAt;
    }

    /** The author's description; empty when none was given. */
    public String description() {
        return description;
    }

    /** The input specs, in order. */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /** The canonical output specs, in order. */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /**
     * The class labels in the order of the {@code probabilities} columns (Long or String), or an
     * empty list for a model that is not a classifier.
     */
    public List<Object> classes() {
        return classes;
    }

    /** The artifacts, in preference order. */
    public List<Artifact> artifacts() {
        return artifacts;
    }

    /** The whole manifest document, unknown fields included. */
    public JsonNode raw() {
        return raw;
    }

    /** The input spec called {@code name}, or null. */
    public TensorSpec input(String name) {
        return find(inputs, name);
    }

    /** The output spec called {@code name}, or null. */
    public TensorSpec output(String name) {
        return find(outputs, name);
    }

    private static TensorSpec find(List<TensorSpec> specs, String name) {
        for (TensorSpec s : specs) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /**
     * One artifact entry: the file, its checksum, its backend's details and its parity figures.
     *
     * @param backend the backend that runs it, lowercase, e.g. {@code "onnx"}
     * @param path its path inside the bundle, '/'-separated
     * @param sha256 the lowercase hex sha256 of its bytes
     * @param bytes its size
     * @param details backend-specific facts (ONNX opset, name maps...); an empty object when absent
     * @param parity the parity figures recorded at export; a missing node when absent
     */
    public record Artifact(
            String backend,
            String path,
            String sha256,
            long bytes,
            JsonNode details,
            JsonNode parity) {

        /**
         * A string-to-string map from {@code details}, e.g. {@code output_names}; empty when
         * absent.
         */
        public Map<String, String> detailMap(String key) {
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : details.path(key).properties()) {
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }

        @Override
        public String toString() {
            return backend + ":" + path;
        }
    }

    // ---------------------------------------------------------------- parsing helpers

    private static BundleException invalid(String message) {
        return new BundleException(ErrorCode.INVALID_MANIFEST, message);
    }

    private static String requiredText(JsonNode node, String field) {
        return requiredText(node, field, field);
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode v = present(node, field, where);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw invalid(where + ": expected a non-empty string, got " + v);
        }
        return v.asText();
    }

    /** The field's value, or null when it is missing or null (which counts as missing). */
    private static JsonNode optional(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** Whether {@code v} is an integer that fits a long (JSON integers beyond int64 do not). */
    private static boolean isLong(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    /** The field's value; a missing or null field is refused as "required". */
    private static JsonNode present(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw invalid(where + ": required field is missing");
        }
        return v;
    }

    private static void checkTimestamp(String value) {
        if (!RFC3339.matcher(value).matches()) {
            throw invalid(
                    "created_at: expected an RFC 3339 timestamp such as 2026-11-22T03:00:00Z, got"
                            + " \""
                            + value
                            + "\"");
        }
        try { // the pattern took ASCII digits; LocalDateTime.parse would load java.time.format's
            // classes for the same check (about 10 ms of a fresh JVM's load)
            LocalDateTime.of(
                    Integer.parseInt(value.substring(0, 4)),
                    Integer.parseInt(value.substring(5, 7)),
                    Integer.parseInt(value.substring(8, 10)),
                    Integer.parseInt(value.substring(11, 13)),
                    Integer.parseInt(value.substring(14, 16)),
                    Integer.parseInt(value.substring(17, 19)));
        } catch (DateTimeException e) {
            throw invalid("created_at: \"" + value + "\" is not a real date and time");
        }
    }

    private static List<TensorSpec> specs(JsonNode raw, String field) {
        JsonNode list = present(raw, field, field);
        if (!list.isArray() || list.size() == 0) {
            throw invalid(
                    field
                            + ": expected a non-empty list of tensor specs, got "
                            + (list.isArray() ? "an empty list" : list));
        }
        List<TensorSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = field + "[" + i + "]";
            JsonNode s = list.get(i);
            if (!s.isObject()) {
                throw invalid(where + ": expected an object, got " + s);
            }
            String name = requiredText(s, "name", where + ".name");
            if (!names.add(name)) {
                throw invalid(where + ".name: duplicate name \"" + name + "\"");
            }
            DType dtype;
            String dtypeName = requiredText(s, "dtype", where + ".dtype");
            try {
                dtype = DType.fromName(dtypeName);
            } catch (IllegalArgumentException e) {
                throw invalid(where + ".dtype: " + e.getMessage());
            }
            if (!dtype.typeName().equals(dtypeName)) { // names are exact: "float32", not "FLOAT32"
                throw invalid(
                        where + ".dtype: unknown dtype '" + dtypeName + "'; names are lowercase");
            }
            JsonNode shapeNode = present(s, "shape", where + ".shape");
            if (!shapeNode.isArray()) {
                throw invalid(
                        where
                                + ".shape: expected a list of integers ([] for a scalar), got "
                                + shapeNode);
            }
            long[] shape = new long[shapeNode.size()];
            for (int d = 0; d < shape.length; d++) {
                JsonNode dim = shapeNode.get(d);
                if (!isLong(dim) || dim.asLong() < -1) {
                    throw invalid(
                            where + ".shape[" + d + "]: expected an integer >= -1, got " + dim);
                }
                shape[d] = dim.asLong();
            }
            List<String> columns = null;
            JsonNode cols = optional(s, "columns");
            if (cols != null) {
                if (!cols.isArray()) {
                    throw invalid(where + ".columns: expected a list of strings, got " + cols);
                }
                columns = new ArrayList<>();
                for (int c = 0; c < cols.size(); c++) {
                    if (!cols.get(c).isTextual()) {
                        throw invalid(
                                where
                                        + ".columns["
                                        + c
                                        + "]: expected a string, got "
                                        + cols.get(c));
                    }
                    columns.add(cols.get(c).asText());
                }
                // a scalar has no last dimension (found by the fuzzer: shape [] with columns)
                long last = shape.length == 0 ? -1 : shape[shape.length - 1];
                if (shape.length >= 2 && last != -1 && columns.size() != last) {
                    throw invalid(
                            where
                                    + ".columns: has "
                                    + columns.size()
                                    + " names but the last dimension of shape "
                                    + shapeNode
                                    + " is "
                                    + last);
                }
            }
            out.add(new TensorSpec(name, dtype, shape, columns, batchDim(s, where, shape)));
        }
        return Collections.unmodifiableList(out);
    }

    /** A spec's {@code batch_dim}: the first dimension when absent (none for a scalar). */
    private static int batchDim(JsonNode spec, String where, long[] shape) {
        JsonNode b = spec.get("batch_dim");
        if (b == null || b.isNull()) {
            return shape.length > 0 ? 0 : -1;
        }
        if (!b.isIntegralNumber() || b.asLong() < -1 || b.asLong() >= shape.length) {
            throw invalid(
                    where
                            + ".batch_dim: expected -1 (none) or a dimension of shape "
                            + java.util.Arrays.toString(shape)
                            + ", got "
                            + b);
        }
        return b.asInt();
    }

    private List<Object> classes(JsonNode raw) {
        JsonNode node = raw.get("classes");
        if (node == null || node.isNull()) {
            if ("classification".equals(task)) {
                throw invalid(
                        "classes: required field is missing; a classification manifest lists its"
                                + " classes");
            }
            return Collections.emptyList();
        }
        if (!node.isArray() || node.size() == 0) {
            throw invalid("classes: expected a non-empty list, got " + node);
        }
        List<Object> out = new ArrayList<>();
        boolean ints = node.get(0).isIntegralNumber();
        for (JsonNode c : node) {
            if (ints && isLong(c)) {
                out.add(c.asLong());
            } else if (!ints && c.isTextual()) {
                out.add(c.asText());
            } else {
                throw invalid("classes: expected all integers or all strings, got " + c);
            }
        }
        if (new HashSet<>(out).size() != out.size()) {
            throw invalid("classes: values must be distinct, got " + node);
        }
        TensorSpec proba = find(outputs, "probabilities");
        if (proba != null
                && proba.rank() == 2
                && proba.shape()[1] >= 0
                && proba.shape()[1] != out.size()) {
            throw invalid(
                    "classes: "
                            + out.size()
                            + " classes but outputs.probabilities has "
                            + proba.shape()[1]
                            + " columns");
        }
        return Collections.unmodifiableList(out);
    }

    private static List<Artifact> artifacts(JsonNode raw) {
        JsonNode list = present(raw, "artifacts", "artifacts");
        if (!list.isArray() || list.size() == 0) {
            throw invalid(
                    "artifacts: expected a non-empty list, got "
                            + (list.isArray() ? "an empty list" : list));
        }
        List<Artifact> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "artifacts[" + i + "]";
            JsonNode a = list.get(i);
            if (!a.isObject()) {
                throw invalid(where + ": expected an object, got " + a);
            }
            String backend =
                    requiredText(a, "backend", where + ".backend").toLowerCase(Locale.ROOT);
            String path = requiredText(a, "path", where + ".path");
            BundlePaths.requireSafe(path, where + ".path");
            String sha = a.path("sha256").asText("");
            if (!SHA256.matcher(sha).matches()) {
                throw invalid(
                        where + ".sha256: expected 64 lowercase hex digits, got \"" + sha + "\"");
            }
            JsonNode bytes = a.get("bytes");
            if (bytes == null || !isLong(bytes) || bytes.asLong() < 0) {
                throw invalid(where + ".bytes: expected a non-negative integer, got " + bytes);
            }
            JsonNode details = optional(a, "details");
            if (details != null && !details.isObject()) {
                throw invalid(where + ".details: expected a JSON object, got " + details);
            }
            JsonNode parity = optional(a, "parity");
            if (parity != null && !parity.isObject()) {
                throw invalid(where + ".parity: expected a JSON object or null, got " + parity);
            }
            out.add(
                    new Artifact(
                            backend,
                            path,
                            sha,
                            bytes.asLong(),
                            details == null ? NODES.objectNode() : details,
                            parity == null ? MissingNode.getInstance() : parity));
        }
        return Collections.unmodifiableList(out);
    }
}
