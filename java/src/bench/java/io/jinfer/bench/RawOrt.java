package io.jinfer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Collections;

/**
 * The anchor: ONNX Runtime Java used directly, as a careful user would, on the same model.onnx with
 * the same session options as jinfer's ONNX backend (all graph optimisations, the given intra-op
 * threads). Each call makes an {@link OnnxTensor} over a direct buffer (no copy), runs the session
 * for all outputs and closes the result; the outputs stay in the runtime's memory.
 */
final class RawOrt implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String inputName;

    RawOrt(byte[] model, int intraOpThreads) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (intraOpThreads > 0) {
                opts.setIntraOpNumThreads(intraOpThreads);
            }
            session = env.createSession(model, opts);
        }
        inputName = session.getInputNames().iterator().next();
    }

    /**
     * One prediction over {@code input} (a direct buffer of {@code shape}); returns the output
     * count.
     */
    long predict(FloatBuffer input, long[] shape) throws OrtException {
        try (OnnxTensor t = OnnxTensor.createTensor(env, input, shape);
                OrtSession.Result r = session.run(Collections.singletonMap(inputName, t))) {
            return r.size();
        }
    }

    String version() {
        return env.getVersion();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
