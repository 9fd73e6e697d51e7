package io.jinfer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.NamedTensors;
import io.jinfer.spi.OutputBuffers;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session behind the canonical names of a manifest. Inputs go to the runtime as
 * the tensors' own direct buffers (no copy). Numeric outputs whose shape is known before the run
 * are pinned: the runtime writes straight into buffers that become the result tensors.
 */
final class OnnxSession implements BackendSession {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<Output> outputs;
    private final String[] outputNames; // the canonical names, in spec order: the result's keys
    private final Map<String, String> inputNames; // canonical -> native
    private final Map<String, long[]> inputShapes; // native name -> declared shape (-1 dynamic)
    private final UnknownCategories unknownCategories;
    private final List<OnnxTensor> externalInitializers; // must outlive the session
    private volatile boolean closed;

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
            UnknownCategories unknownCategories,
            List<OnnxTensor> externalInitializers) {
        this.env = env;
        this.session = session;
        this.outputs = outputs;
        this.outputNames = outputs.stream().map(o -> o.spec().name()).toArray(String[]::new);
        this.inputNames = inputNames;
        this.inputShapes = inputShapes;
        this.unknownCategories = unknownCategories;
        this.externalInitializers = externalInitializers;
    }

    static OnnxSession open(ArtifactContext ctx) {
        Manifest.Artifact artifact = ctx.artifact();
        byte[] model = ctx.bytes();
        OrtEnvironment env = OnnxEnvironment.get();
        // before the runtime sees the model: tensors whose data is elsewhere come from the bundle
        Map<String, OnnxTensor> external = ExternalData.resolve(ctx, model, env);
        OrtSession session;
        try (OrtSession.SessionOptions opts = sessionOptions(ctx.options())) {
            if (!external.isEmpty()) {
                opts.addExternalInitializers(new LinkedHashMap<>(external));
            }
            session = env.createSession(model, opts);
        } catch (OrtException e) {
            external.values().forEach(OnnxTensor::close);
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX Runtime cannot load " + artifact.path() + ": " + e.getMessage(),
                    e);
        }
        try {
            Map<String, String> inputNames =
                    nameMap(artifact, "input", ctx.manifest().inputs(), session.getInputNames());
            Map<String, String> outputMap =
                    nameMap(artifact, "output", ctx.manifest().outputs(), session.getOutputNames());
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
                                    && OrtTypes.readAs(ti.type, spec.dtype()) == spec.dtype()
                                    && spec.hasFixedInnerDims()
                                    && shape.length > 0
                                    && (spec.batchDim() == 0
                                            // a graph may declare a fixed batch it does not keep
                                            // (skl2onnx's label of a TfidfTransformer pipeline
                                            // says [1]): only a dynamic one takes the batch's
                                            ? shape[0] < 0 && TensorSpec.hasFixedInnerDims(shape)
                                            : !spec.isBatched()
                                                    && Arrays.stream(shape).allMatch(d -> d >= 0));
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
                    env,
                    session,
                    outs,
                    inputNames,
                    inputShapes,
                    UnknownCategories.of(artifact),
                    List.copyOf(external.values()));
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // already failing
            }
            external.values().forEach(OnnxTensor::close);
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

    /**
     * canonical -> native names, from the artifact's {@code input_names} or {@code output_names} (a
     * name maps to itself when absent); every spec must map to a name the model has.
     */
    private static Map<String, String> nameMap(
            Manifest.Artifact artifact,
            String what,
            List<TensorSpec> specs,
            Set<String> nativeNames) {
        Map<String, String> declared = artifact.detailMap(what + "_names");
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
        return run(inputs, batch, OutputBuffers.FRESH);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch, OutputBuffers buffers) {
        if (closed) {
            throw new IllegalStateException("ONNX session is closed");
        }
        Map<String, OnnxTensor> feeds = new HashMap<>(2 * inputs.size());
        Map<String, OnnxTensor> pinned = new HashMap<>(2 * outputs.size());
        ByteBuffer[] pinnedBuffers = new ByteBuffer[outputs.size()]; // by output, null: not pinned
        try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                String nat = inputNames.get(e.getKey());
                feeds.put(nat, toOrt(e.getValue(), inputShapes.get(nat)));
            }
            Set<String> requested = new HashSet<>(2 * outputs.size());
            for (int i = 0; i < pinnedBuffers.length; i++) {
                Output o = outputs.get(i);
                if (o.pinnable() && (batch >= 0 || !o.spec().isBatched())) {
                    long[] shape = TensorSpec.concreteShape(o.nativeShape(), batch);
                    ByteBuffer buf =
                            buffers.take(
                                    Math.toIntExact(
                                            Tensor.elementCount(shape)
                                                    * o.spec().dtype().byteSize()));
                    pinned.put(
                            o.nativeName(),
                            OnnxTensor.createTensor(
                                    env, buf, shape, OrtTypes.toOrtType(o.spec().dtype())));
                    pinnedBuffers[i] = buf;
                } else {
                    requested.add(o.nativeName());
                }
            }
            try (OrtSession.Result result = session.run(feeds, requested, pinned)) {
                Tensor[] out = new Tensor[outputNames.length];
                for (int i = 0; i < out.length; i++) {
                    Output o = outputs.get(i);
                    long[] shape = o.spec().concreteShape(batch);
                    ByteBuffer buf = pinnedBuffers[i];
                    out[i] =
                            buf != null
                                    ? Tensor.wrap(buf, o.spec().dtype(), shape)
                                    : fromOrt(result.get(o.nativeName()).orElseThrow(), o, batch);
                }
                return new NamedTensors(outputNames, out);
            }
        } catch (OrtException e) {
            if (UnknownCategories.isRaisedBy(e)) {
                throw unknownCategories.diagnose(inputs, e);
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

    private OnnxTensor toOrt(Tensor t, long[] nativeShape) throws OrtException {
        long[] shape = nativeShapeFor(t, nativeShape);
        if (t.isString()) {
            return OnnxTensor.createTensor(env, t.toStringArray(), shape);
        }
        return OnnxTensor.createTensor(env, t.buffer(), shape, OrtTypes.toOrtType(t.dtype()));
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
                    // two free dimensions: nothing to infer, let the runtime judge
                    return t.shape();
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
        if (!o.spec().hasFixedInnerDims() || (batch < 0 && o.spec().isBatched())) {
            shape = nativeShape; // e.g. a transform's free dimensions: trust the runtime
        }
        if (Tensor.elementCount(nativeShape) != Tensor.elementCount(shape)) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "ONNX output '"
                            + o.nativeName()
                            + "' has shape "
                            + Arrays.toString(nativeShape)
                            + ", which does not fit "
                            + o.spec());
        }
        DType dtype = OrtTypes.readAs(info.type, o.spec().dtype());
        Tensor out;
        if (dtype == DType.STRING) {
            out =
                    Tensor.ofStrings(
                            OrtTypes.strings(t.getValue(), (int) Tensor.elementCount(nativeShape)),
                            shape);
        } else {
            out = Tensor.wrap(t.getByteBuffer(), dtype, shape);
        }
        return out.dtype() == o.spec().dtype() ? out : out.castTo(o.spec().dtype());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
            externalInitializers.forEach(OnnxTensor::close);
        } catch (OrtException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "closing the ONNX session failed: " + e.getMessage(),
                    e);
        }
    }
}
