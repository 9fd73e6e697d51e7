package io.jinfer.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import io.jinfer.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The anchor: ONNX Runtime Java used directly, as a careful user would, on the same model.onnx with
 * the same session options as jinfer's ONNX backend (all graph optimisations, the given intra-op
 * threads). Each call makes an {@link OnnxTensor} per input, over a direct buffer (no copy) or from
 * a {@code String[]}, runs the session for all outputs and closes the result; the outputs stay in
 * the runtime's memory.
 */
final class RawOrt implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /** One input of one call, ready to become an {@link OnnxTensor}: float32 data or strings. */
    static final class Input {
        final String name;
        final long[] shape;
        final FloatBuffer floats;
        final String[] strings;

        private Input(String name, long[] shape, FloatBuffer floats, String[] strings) {
            this.name = name;
            this.shape = shape;
            this.floats = floats;
            this.strings = strings;
        }
    }

    RawOrt(byte[] model, int intraOpThreads) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (intraOpThreads > 0) {
                opts.setIntraOpNumThreads(intraOpThreads);
            }
            session = env.createSession(model, opts);
        }
    }

    /**
     * {@code batch} as this session's inputs: each under its ONNX name ({@code nativeNames}, by
     * input name; a name maps to itself when absent) at the ONNX input's rank (a table's column,
     * {@code [n]} in the bundle, is {@code [n, 1]} in skl2onnx's graph). Made once, before timing.
     */
    List<Input> inputs(Batch batch, Map<String, String> nativeNames) throws OrtException {
        Map<String, NodeInfo> info = session.getInputInfo();
        List<Input> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : batch.tensors.entrySet()) {
            String name = nativeNames.getOrDefault(e.getKey(), e.getKey());
            NodeInfo node = info.get(name);
            if (node == null) {
                throw new IllegalArgumentException(
                        "the ONNX model has no input '" + name + "'; it has " + info.keySet());
            }
            long[] shape = e.getValue().shape();
            if (((TensorInfo) node.getInfo()).getShape().length == 2 && shape.length == 1) {
                shape = new long[] {shape[0], 1};
            }
            out.add(
                    new Input(
                            name,
                            shape,
                            batch.floats.get(e.getKey()),
                            batch.strings.get(e.getKey())));
        }
        return out;
    }

    /** One prediction over {@code inputs} (of {@link #inputs}); returns the output count. */
    long predict(List<Input> inputs) throws OrtException {
        if (inputs.size() == 1) { // the single-input models: as a careful user writes it
            Input in = inputs.get(0);
            try (OnnxTensor t = tensor(in);
                    OrtSession.Result r = session.run(Collections.singletonMap(in.name, t))) {
                return r.size();
            }
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Input in : inputs) {
                feeds.put(in.name, tensor(in));
            }
            try (OrtSession.Result r = session.run(feeds)) {
                return r.size();
            }
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
        }
    }

    private OnnxTensor tensor(Input in) throws OrtException {
        return in.strings != null
                ? OnnxTensor.createTensor(env, in.strings, in.shape)
                : OnnxTensor.createTensor(env, in.floats, in.shape);
    }

    String version() {
        return env.getVersion();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
