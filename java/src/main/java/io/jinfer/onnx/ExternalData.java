package io.jinfer.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.spi.ArtifactContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tensors of an ONNX model that keep their data outside it ({@code data_location = EXTERNAL}),
 * found before ONNX Runtime sees the model, which would read them from the process's working
 * directory.
 *
 * <p>The walk reads the {@code ModelProto} with protobuf's {@link CodedInputStream} and the field
 * numbers of {@code onnx.proto}, and visits every tensor: the initializers and sparse initializers
 * of every graph, the tensors of node attributes, the subgraphs of attributes at any depth, the
 * functions and the training graphs. It keeps no recursion: a work list holds the messages still to
 * read. Python's {@code jinfer._onnx_external} applies the same rule (docs/bundle-format.md,
 * "External data").
 */
final class ExternalData {
    private static final int EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private ExternalData() {}

    /** What a length-delimited field holds. */
    private enum Kind {
        MODEL,
        TRAINING,
        GRAPH,
        MAIN_GRAPH,
        FUNCTION,
        NODE,
        ATTRIBUTE,
        SPARSE,
        TENSOR,
        INITIALIZER // a tensor among the initializers of the main graph
    }

    /** A message still to read: where its bytes are, what it is, and how a message names it. */
    private record Work(int offset, int length, Kind kind, String where) {}

    /**
     * One tensor whose data is outside the model.
     *
     * @param where where it is in the model, e.g. "graph initializer 'W'"
     * @param name the tensor's name
     * @param dims its shape
     * @param dataType its {@code TensorProto.DataType}
     * @param initializer whether it is an initializer of the main graph
     * @param location the {@code location} entry of its external data, or null
     * @param offset the {@code offset} entry, 0 when absent, -1 when not a non-negative integer
     * @param length the {@code length} entry, -1 when absent or not a non-negative integer
     */
    record Tensor(
            String where,
            String name,
            long[] dims,
            int dataType,
            boolean initializer,
            String location,
            long offset,
            long length) {}

    /**
     * A file of the bundle that an ONNX artifact's {@code details.external_data} lists.
     *
     * @param path its path in the bundle
     * @param bytes its size
     * @param sha256 its sha256
     */
    record Listed(String path, long bytes, String sha256) {}

    /**
     * Every tensor of {@code model} that keeps its data outside it.
     *
     * @throws IOException if the bytes are not a protobuf message
     */
    static List<Tensor> find(byte[] model) throws IOException {
        List<Tensor> out = new ArrayList<>();
        Deque<Work> todo = new ArrayDeque<>();
        todo.push(new Work(0, model.length, Kind.MODEL, "model"));
        while (!todo.isEmpty()) {
            Work w = todo.pop();
            CodedInputStream in = CodedInputStream.newInstance(model, w.offset(), w.length());
            if (w.kind() == Kind.TENSOR || w.kind() == Kind.INITIALIZER) {
                Tensor t = tensor(in, w);
                if (t != null) {
                    out.add(t);
                }
                continue;
            }
            String name = "";
            List<Work> children = new ArrayList<>();
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    in.skipField(tag);
                    continue;
                }
                if (isName(w.kind(), field)) {
                    name = in.readBytes().toStringUtf8();
                    continue;
                }
                Kind child = child(w.kind(), field);
                int length = in.readRawVarint32();
                int start = w.offset() + in.getTotalBytesRead();
                in.skipRawBytes(length); // throws if the length runs past the message
                if (child != null) {
                    children.add(new Work(start, length, child, null));
                }
            }
            String where = w.where() + (name.isEmpty() ? "" : " '" + name + "'");
            for (Work c : children) {
                todo.push(
                        new Work(c.offset(), c.length(), c.kind(), where + " " + label(c.kind())));
            }
        }
        return out;
    }

    private static boolean isName(Kind kind, int field) {
        switch (kind) {
            case GRAPH:
            case MAIN_GRAPH:
                return field == 2;
            case NODE:
                return field == 3;
            case ATTRIBUTE:
            case FUNCTION:
                return field == 1;
            default:
                return false;
        }
    }

    /**
     * The message a length-delimited field of a {@code kind} message holds, if it can hold tensors.
     */
    private static Kind child(Kind kind, int field) {
        switch (kind) {
            case MODEL: // graph = 7, training_info = 20, functions = 25
                return field == 7
                        ? Kind.MAIN_GRAPH
                        : field == 20 ? Kind.TRAINING : field == 25 ? Kind.FUNCTION : null;
            case TRAINING: // initialization = 1, algorithm = 2
                return field == 1 || field == 2 ? Kind.GRAPH : null;
            case MAIN_GRAPH:
            case GRAPH: // node = 1, initializer = 5, sparse_initializer = 15
                if (field == 5) {
                    return kind == Kind.MAIN_GRAPH ? Kind.INITIALIZER : Kind.TENSOR;
                }
                return field == 1 ? Kind.NODE : field == 15 ? Kind.SPARSE : null;
            case FUNCTION: // node = 7, attribute_proto = 11
                return field == 7 ? Kind.NODE : field == 11 ? Kind.ATTRIBUTE : null;
            case NODE: // attribute = 5
                return field == 5 ? Kind.ATTRIBUTE : null;
            case ATTRIBUTE: // t = 5, g = 6, tensors = 10, graphs = 11, sparse_tensor(s) = 22, 23
                if (field == 5 || field == 10) {
                    return Kind.TENSOR;
                }
                if (field == 6 || field == 11) {
                    return Kind.GRAPH;
                }
                return field == 22 || field == 23 ? Kind.SPARSE : null;
            case SPARSE: // values = 1, indices = 2
                return field == 1 || field == 2 ? Kind.TENSOR : null;
            default:
                return null;
        }
    }

    private static String label(Kind kind) {
        switch (kind) {
            case MAIN_GRAPH:
            case GRAPH:
                return "graph";
            case INITIALIZER:
                return "initializer";
            case TRAINING:
                return "training info";
            default:
                return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The tensor, when it keeps its data outside the model; else null. */
    private static Tensor tensor(CodedInputStream in, Work w) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        int location = 0;
        Map<String, String> entries = new LinkedHashMap<>();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int field = WireFormat.getTagFieldNumber(tag);
            int type = WireFormat.getTagWireType(tag);
            if (field == 1 && type == WireFormat.WIRETYPE_VARINT) {
                dims.add(in.readInt64());
            } else if (field == 1 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32()); // packed dims
                while (in.getBytesUntilLimit() > 0) {
                    dims.add(in.readInt64());
                }
                in.popLimit(limit);
            } else if (field == 2 && type == WireFormat.WIRETYPE_VARINT) {
                dataType = in.readInt32();
            } else if (field == 8 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                name = in.readBytes().toStringUtf8();
            } else if (field == 13 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                entry(in, entries);
                in.popLimit(limit);
            } else if (field == 14 && type == WireFormat.WIRETYPE_VARINT) {
                location = in.readEnum();
            } else {
                in.skipField(tag);
            }
        }
        if (location != EXTERNAL && entries.isEmpty()) {
            return null;
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
        }
        return new Tensor(
                w.where() + " '" + name + "'",
                name,
                shape,
                dataType,
                w.kind() == Kind.INITIALIZER,
                entries.get("location"),
                entries.containsKey("offset") ? count(entries.get("offset")) : 0,
                entries.containsKey("length") ? count(entries.get("length")) : -1);
    }

    /**
     * One {@code StringStringEntryProto} (key = 1, value = 2); the last of a key wins, as in ORT.
     */
    private static void entry(CodedInputStream in, Map<String, String> entries) throws IOException {
        String key = "";
        String value = "";
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                key = in.readBytes().toStringUtf8();
            } else if (field == 2
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                value = in.readBytes().toStringUtf8();
            } else {
                in.skipField(tag);
            }
        }
        entries.put(key, value);
    }

    private static long count(String text) {
        try {
            long v = Long.parseLong(text);
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The files an ONNX artifact's {@code details.external_data} lists, by bundle path.
     *
     * @throws BundleException ({@code INVALID_MANIFEST}) if the list is malformed
     */
    static Map<String, Listed> listed(Manifest.Artifact artifact) {
        Map<String, Listed> out = new LinkedHashMap<>();
        JsonNode list = artifact.details().get("external_data");
        if (list == null || list.isNull()) {
            return out;
        }
        String where = artifact.path() + ": details.external_data";
        if (!list.isArray()) {
            throw invalid(where + ": expected a list of {path, sha256, bytes}, got " + list);
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String at = where + "[" + i + "]";
            JsonNode path = e.get("path");
            JsonNode sha = e.get("sha256");
            JsonNode bytes = e.get("bytes");
            if (!e.isObject()
                    || path == null
                    || !path.isTextual()
                    || sha == null
                    || !sha.isTextual()
                    || !SHA256.matcher(sha.asText()).matches()
                    || bytes == null
                    || !bytes.isIntegralNumber()
                    || !bytes.canConvertToLong()
                    || bytes.asLong() < 0) {
                throw invalid(
                        at
                                + ": expected {\"path\": a bundle file, \"sha256\": 64 lowercase"
                                + " hex digits, \"bytes\": its size}, got "
                                + e);
            }
            out.put(path.asText(), new Listed(path.asText(), bytes.asLong(), sha.asText()));
        }
        return out;
    }

    /**
     * The external initializers of an ONNX artifact, read from the bundle, for {@code
     * addExternalInitializers}: empty when the model keeps all its data inside. The caller owns
     * (and closes) the tensors, which must outlive the session.
     *
     * @throws BundleException {@code UNSAFE_CONTENT} for a tensor whose data is in a file the
     *     artifact's {@code details.external_data} does not list; {@code UNSUPPORTED_ARTIFACT} for
     *     a listed one that is not an initializer of the main graph, or of a type ONNX Runtime Java
     *     cannot build; {@code CHECKSUM_MISMATCH}/{@code ARTIFACT_MISSING} for a listed file
     * @throws BackendException ({@code BACKEND_FAILURE}) when the artifact is not an ONNX protobuf
     */
    static Map<String, OnnxTensor> resolve(ArtifactContext ctx, byte[] model, OrtEnvironment env) {
        Manifest.Artifact artifact = ctx.artifact();
        List<Tensor> external;
        try {
            external = find(model);
        } catch (IOException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    artifact.path() + " is not an ONNX model (protobuf): " + e.getMessage(),
                    e);
        }
        if (external.isEmpty()) {
            return Map.of();
        }
        Map<String, Listed> listed = listed(artifact);
        String folder =
                artifact.path().contains("/")
                        ? artifact.path().substring(0, artifact.path().lastIndexOf('/') + 1)
                        : "";
        for (Tensor t : external) {
            String path = t.location() == null ? null : folder + t.location();
            if (path == null || t.location().contains("*") || !listed.containsKey(path)) {
                throw new BundleException(
                        ErrorCode.UNSAFE_CONTENT,
                        artifact.path()
                                + ": "
                                + t.where()
                                + " keeps its data outside the model ("
                                + (t.location() == null
                                        ? "no location"
                                        : "location \"" + t.location() + "\"")
                                + "); ONNX Runtime would read it from the working directory, so it"
                                + " is refused. A bundle's tensors live in the model, or in a file"
                                + " of the bundle that details.external_data lists with its"
                                + " sha256");
            }
            if (!t.initializer()) {
                throw new BundleException(
                        ErrorCode.UNSUPPORTED_ARTIFACT,
                        artifact.path()
                                + ": "
                                + t.where()
                                + " keeps its data in "
                                + path
                                + "; jinfer supplies external data to the initializers of the"
                                + " main graph only");
            }
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            for (Tensor t : external) {
                Listed l = listed.get(folder + t.location());
                byte[] file =
                        files.computeIfAbsent(l.path(), p -> ctx.file(p, l.bytes(), l.sha256()));
                out.put(t.name(), tensor(env, artifact, t, file));
            }
        } catch (RuntimeException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
        return out;
    }

    private static OnnxTensor tensor(
            OrtEnvironment env, Manifest.Artifact artifact, Tensor t, byte[] file) {
        OnnxJavaType type = javaType(t.dataType());
        long need = -1;
        if (type != null) {
            try {
                long elements = 1;
                for (long d : t.dims()) {
                    elements = d < 0 ? -1 : Math.multiplyExact(elements, d);
                    if (elements < 0) {
                        break;
                    }
                }
                need = elements < 0 ? -1 : Math.multiplyExact(elements, (long) type.size);
            } catch (ArithmeticException e) {
                need = -1; // more bytes than a long counts: refused below
            }
        }
        long length = t.length() < 0 ? file.length - Math.max(0, t.offset()) : t.length();
        if (type == null) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    artifact.path()
                            + ": "
                            + t.where()
                            + " has ONNX data type "
                            + t.dataType()
                            + ", which jinfer cannot supply as external data");
        }
        if (t.offset() < 0
                || need < 0
                || length != need
                || t.offset() > file.length
                || length > file.length - t.offset()) {
            throw new BundleException(
                    ErrorCode.UNSAFE_CONTENT,
                    artifact.path()
                            + ": "
                            + t.where()
                            + " asks for "
                            + length
                            + " bytes at offset "
                            + t.offset()
                            + " of "
                            + t.location()
                            + " ("
                            + file.length
                            + " bytes) for a tensor of "
                            + need
                            + " bytes");
        }
        ByteBuffer data = ByteBuffer.allocateDirect((int) need).order(ByteOrder.nativeOrder());
        data.put(file, (int) t.offset(), (int) need).flip();
        try {
            return OnnxTensor.createTensor(env, data, t.dims(), type);
        } catch (OrtException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    artifact.path() + ": cannot build " + t.where() + ": " + e.getMessage(),
                    e);
        }
    }

    /** ONNX Runtime Java's type for a {@code TensorProto.DataType}, or null if it has none. */
    private static OnnxJavaType javaType(int dataType) {
        switch (dataType) {
            case 1:
                return OnnxJavaType.FLOAT;
            case 2:
                return OnnxJavaType.UINT8;
            case 3:
                return OnnxJavaType.INT8;
            case 5:
                return OnnxJavaType.INT16;
            case 6:
                return OnnxJavaType.INT32;
            case 7:
                return OnnxJavaType.INT64;
            case 9:
                return OnnxJavaType.BOOL;
            case 10:
                return OnnxJavaType.FLOAT16;
            case 11:
                return OnnxJavaType.DOUBLE;
            case 16:
                return OnnxJavaType.BFLOAT16;
            default:
                return null;
        }
    }

    private static BundleException invalid(String message) {
        return new BundleException(ErrorCode.INVALID_MANIFEST, message);
    }
}
