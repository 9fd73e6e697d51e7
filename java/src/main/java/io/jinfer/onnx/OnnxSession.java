package io.jinfer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One ONNX Runtime session behind the canonical names of a manifest. Inputs go to the runtime as
 * the tensors' own direct buffers (no copy). Numeric outputs whose shape is known before the run
 * are pinned: the runtime writes straight into buffers that become the result tensors.
 */
final class OnnxSession implements BackendSession {
    /** What ONNX Runtime's OneHotEncoder says of a category it was not built with (zeros = 0). */
    private static final String UNKNOWN_CATEGORY = "Unknown Category";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<Output> outputs;
    private final Map<String, String> inputNames; // canonical -> native
    private final Map<String, long[]> inputShapes; // native name -> declared shape (-1 dynamic)
    private final List<Categories> refused; // encoders that refuse unknown categories
    private volatile boolean closed;

    /**
     * The categories an encoder of the model knows for one column of a string input, refusing
     * others (the artifact's {@code refused_categories}, written by the exporter).
     *
     * @param input the string input
     * @param column the column of that input the encoder reads
     * @param known the categories it was built with
     */
    private record Categories(String input, int column, Set<String> known) {}

    /**
     * How one canonical output is produced from one native output.
     *
     * @param spec the canonical output
     * @param nativeName the ONNX output it comes from
     * @param nativeShape that output's declared shape, -1 for a dynamic dimension; null when it is
     *     not a tensor
     * @param pinnable whether the runtime can write it straight into a buffer of ours
     */
    private record Output(
            TensorSpec spec, String nativeName, long[] nativeShape, boolean pinnable) {}

    private OnnxSession(
            OrtEnvironment env,
            OrtSession session,
            List<Output> outputs,
            Map<String, String> inputNames,
            Map<String, long[]> inputShapes,
            List<Categories> refused) {
        this.env = env;
        this.session = session;
        this.outputs = outputs;
        this.inputNames = inputNames;
        this.inputShapes = inputShapes;
        this.refused = refused;
    }

    static OnnxSession open(ArtifactContext ctx) {
        Manifest.Artifact artifact = ctx.artifact();
        byte[] model = ctx.bytes();
        // jinfer reports the runtime's errors in its exceptions; the runtime's own log would repeat
        // them
        OrtEnvironment env =
                OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "jinfer");
        OrtSession session;
        try (OrtSession.SessionOptions opts = sessionOptions(ctx.options())) {
            session = env.createSession(model, opts);
        } catch (OrtException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX Runtime cannot load " + artifact.path() + ": " + e.getMessage(),
                    e);
        }
        try {
            Map<String, String> inputNames =
                    nameMap(
                            ctx.manifest().inputs(),
                            artifact.detailMap("input_names"),
                            session.getInputNames(),
                            "input",
                            artifact);
            Map<String, String> outputMap =
                    nameMap(
                            ctx.manifest().outputs(),
                            artifact.detailMap("output_names"),
                            session.getOutputNames(),
                            "output",
                            artifact);
            Map<String, NodeInfo> info = session.getOutputInfo();
            List<Output> outs = new ArrayList<>();
            for (TensorSpec spec : ctx.manifest().outputs()) {
                String nat = outputMap.get(spec.name());
                long[] shape = null;
                boolean pinnable = false;
                if (info.get(nat).getInfo() instanceof TensorInfo) {
                    TensorInfo ti = (TensorInfo) info.get(nat).getInfo();
                    shape = ti.getShape();
                    pinnable =
                            spec.dtype().isNumeric()
                                    && toDType(ti.type) == spec.dtype()
                                    && onlyFirstDynamic(shape)
                                    && spec.hasFixedInnerDims();
                }
                outs.add(new Output(spec, nat, shape, pinnable));
            }
            Map<String, long[]> inputShapes = new HashMap<>();
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo) {
                    inputShapes.put(e.getKey(), ((TensorInfo) e.getValue().getInfo()).getShape());
                }
            }
            return new OnnxSession(
                    env, session, outs, inputNames, inputShapes, refusedCategories(artifact));
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            if (e instanceof BundleException) {
                throw (BundleException) e;
            }
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX model "
                            + artifact.path()
                            + " does not match the manifest: "
                            + e.getMessage(),
                    e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(LoadOptions o) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (o.intraOpThreads() > 0) {
            opts.setIntraOpNumThreads(o.intraOpThreads());
        }
        if (o.interOpThreads() > 0) {
            opts.setInterOpNumThreads(o.interOpThreads());
        }
        for (Map.Entry<String, String> e : o.backendOptions().entrySet()) {
            opts.addConfigEntry(e.getKey(), e.getValue());
        }
        return opts;
    }

    /** canonical -> native names; every spec must map to a name the model has. */
    private static Map<String, String> nameMap(
            List<TensorSpec> specs,
            Map<String, String> declared,
            Set<String> nativeNames,
            String what,
            Manifest.Artifact artifact) {
        Map<String, String> out = new LinkedHashMap<>();
        for (TensorSpec spec : specs) {
            String nat = declared.getOrDefault(spec.name(), spec.name());
            if (!nativeNames.contains(nat)) {
                throw new BundleException(
                        ErrorCode.INVALID_MANIFEST,
                        artifact.path()
                                + ": manifest "
                                + what
                                + " '"
                                + spec.name()
                                + "' maps to ONNX "
                                + what
                                + " '"
                                + nat
                                + "', which the model does not have (it has "
                                + nativeNames
                                + ")");
            }
            out.put(spec.name(), nat);
        }
        return out;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch) {
        if (closed) {
            throw new IllegalStateException("ONNX session is closed");
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        Map<String, OnnxTensor> pinned = new HashMap<>();
        Map<String, ByteBuffer> pinnedBuffers = new HashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                String nat = inputNames.get(e.getKey());
                feeds.put(nat, toOrt(e.getValue(), inputShapes.get(nat)));
            }
            Set<String> requested = new HashSet<>();
            for (Output o : outputs) {
                if (o.pinnable()) {
                    long[] shape = TensorSpec.concreteShape(o.nativeShape(), batch);
                    ByteBuffer buf =
                            ByteBuffer.allocateDirect(
                                            Math.toIntExact(
                                                    Tensor.elementCount(shape)
                                                            * o.spec().dtype().byteSize()))
                                    .order(ByteOrder.nativeOrder());
                    pinned.put(
                            o.nativeName(),
                            OnnxTensor.createTensor(env, buf, shape, toOrtType(o.spec().dtype())));
                    pinnedBuffers.put(o.spec().name(), buf);
                } else {
                    requested.add(o.nativeName());
                }
            }
            try (OrtSession.Result result = session.run(feeds, requested, pinned)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Output o : outputs) {
                    long[] shape = o.spec().concreteShape(batch);
                    ByteBuffer buf = pinnedBuffers.get(o.spec().name());
                    Tensor t =
                            buf != null
                                    ? Tensor.wrap(buf, o.spec().dtype(), shape)
                                    : fromOrt(result.get(o.nativeName()).orElseThrow(), o, batch);
                    out.put(o.spec().name(), t);
                }
                return out;
            }
        } catch (OrtException e) {
            if (String.valueOf(e.getMessage()).contains(UNKNOWN_CATEGORY)) {
                throw unknownCategory(inputs, e);
            }
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX Runtime failed on a batch of " + batch + ": " + e.getMessage(),
                    e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
            pinned.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * The first value an encoder refuses, by row, input and value; or, for a bundle that does not
     * list its encoders' categories, the string inputs that may hold it.
     */
    private InputException unknownCategory(Map<String, Tensor> inputs, OrtException e) {
        for (Categories c : refused) {
            Tensor t = inputs.get(c.input());
            if (t == null || !t.isString()) {
                continue;
            }
            String[] values = t.toStringArray();
            int width = t.rank() == 2 ? (int) t.dim(1) : 1;
            for (int row = 0; row * width + c.column() < values.length; row++) {
                String v = values[row * width + c.column()];
                if (!c.known().contains(v)) {
                    return new InputException(
                            ErrorCode.INVALID_VALUE,
                            "row "
                                    + row
                                    + ", input '"
                                    + c.input()
                                    + "'"
                                    + (t.rank() == 2 ? " column " + c.column() : "")
                                    + ": category \""
                                    + v
                                    + "\" was not seen in training, and the model's encoder refuses"
                                    + " unknown categories (scikit-learn:"
                                    + " handle_unknown=\"error\"); known: "
                                    + new TreeSet<>(c.known()));
                }
            }
        }
        return new InputException(
                ErrorCode.INVALID_VALUE,
                "a string input "
                        + stringInputs(inputs)
                        + " holds a category the model was not trained on, and its encoder refuses"
                        + " unknown categories (scikit-learn: handle_unknown=\"error\"); ONNX"
                        + " Runtime: "
                        + e.getMessage());
    }

    private static List<Categories> refusedCategories(Manifest.Artifact artifact) {
        List<Categories> found = new ArrayList<>();
        for (JsonNode c : artifact.details().path("refused_categories")) {
            Set<String> known = new HashSet<>();
            c.path("categories").forEach(v -> known.add(v.asText()));
            found.add(new Categories(c.path("input").asText(), c.path("column").asInt(0), known));
        }
        return found;
    }

    /** The names of the string inputs, for an error about categories. */
    private static List<String> stringInputs(Map<String, Tensor> inputs) {
        List<String> names = new ArrayList<>();
        inputs.forEach(
                (name, t) -> {
                    if (t.isString()) {
                        names.add(name);
                    }
                });
        return names;
    }

    private OnnxTensor toOrt(Tensor t, long[] nativeShape) throws OrtException {
        long[] shape = nativeShapeFor(t, nativeShape);
        if (t.isString()) {
            return OnnxTensor.createTensor(env, t.toStringArray(), shape);
        }
        return OnnxTensor.createTensor(env, t.buffer(), shape, toOrtType(t.dtype()));
    }

    /**
     * The tensor's shape, or the model's own rank when they differ ({@code [n]} fed as {@code [n,
     * 1]}).
     */
    private static long[] nativeShapeFor(Tensor t, long[] nativeShape) {
        if (nativeShape == null || nativeShape.length == t.rank()) {
            return t.shape();
        }
        long[] s = nativeShape.clone();
        long fixed = 1;
        int dynamic = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                if (dynamic >= 0) {
                    return t.shape(); // two free dimensions: nothing to infer, let the runtime
                    // judge
                }
                dynamic = i;
            } else {
                fixed *= s[i];
            }
        }
        if (dynamic >= 0 && fixed > 0) {
            s[dynamic] = t.size() / fixed;
        }
        return Tensor.elementCount(s) == t.size() ? s : t.shape();
    }

    private static Tensor fromOrt(OnnxValue value, Output o, long batch) throws OrtException {
        if (!(value instanceof OnnxTensor)) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX output '"
                            + o.nativeName()
                            + "' is a "
                            + value.getType()
                            + ", not a tensor; export classifiers with zipmap=False");
        }
        OnnxTensor t = (OnnxTensor) value;
        TensorInfo info = t.getInfo();
        long[] nativeShape = info.getShape();
        long[] shape = o.spec().concreteShape(batch);
        if (!o.spec().hasFixedInnerDims()) {
            shape = nativeShape; // e.g. a transform's free dimensions: trust the runtime
        }
        if (Tensor.elementCount(nativeShape) != Tensor.elementCount(shape)) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX output '"
                            + o.nativeName()
                            + "' has shape "
                            + java.util.Arrays.toString(nativeShape)
                            + ", which does not fit "
                            + o.spec());
        }
        DType dtype = toDType(info.type);
        Tensor out;
        if (dtype == DType.STRING) {
            out =
                    Tensor.ofStrings(
                            flattenStrings(t.getValue(), (int) Tensor.elementCount(nativeShape)),
                            shape);
        } else {
            out = Tensor.wrap(t.getByteBuffer(), dtype, shape);
        }
        return out.dtype() == o.spec().dtype() ? out : out.castTo(o.spec().dtype());
    }

    private static String[] flattenStrings(Object value, int n) {
        String[] out = new String[n];
        int[] at = {0};
        flatten(value, out, at);
        return out;
    }

    private static void flatten(Object v, String[] out, int[] at) {
        if (v instanceof String) {
            out[at[0]++] = (String) v;
        } else if (v instanceof Object[]) {
            for (Object o : (Object[]) v) {
                flatten(o, out, at);
            }
        }
    }

    static DType toDType(OnnxJavaType t) {
        switch (t) {
            case FLOAT:
                return DType.FLOAT32;
            case DOUBLE:
                return DType.FLOAT64;
            case INT8:
                return DType.INT8;
            case UINT8:
                return DType.UINT8;
            case INT16:
                return DType.INT16;
            case INT32:
                return DType.INT32;
            case INT64:
                return DType.INT64;
            case BOOL:
                return DType.BOOL;
            case STRING:
                return DType.STRING;
            default:
                throw new BackendException(
                        ErrorCode.BACKEND_FAILURE, "ONNX type " + t + " has no jinfer dtype");
        }
    }

    static OnnxJavaType toOrtType(DType d) {
        switch (d) {
            case FLOAT32:
                return OnnxJavaType.FLOAT;
            case FLOAT64:
                return OnnxJavaType.DOUBLE;
            case INT8:
                return OnnxJavaType.INT8;
            case UINT8:
                return OnnxJavaType.UINT8;
            case INT16:
                return OnnxJavaType.INT16;
            case INT32:
                return OnnxJavaType.INT32;
            case INT64:
                return OnnxJavaType.INT64;
            case BOOL:
                return OnnxJavaType.BOOL;
            default:
                return OnnxJavaType.STRING;
        }
    }

    private static boolean onlyFirstDynamic(long[] shape) {
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "closing the ONNX session failed: " + e.getMessage(),
                    e);
        }
    }
}
