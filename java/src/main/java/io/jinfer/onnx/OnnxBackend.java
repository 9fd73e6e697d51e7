package io.jinfer.onnx;

import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.Backend;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.Classpath;

/**
 * Runs {@code onnx} artifacts with ONNX Runtime Java. This class names no ONNX Runtime type, so it
 * loads, and reports itself unavailable, when {@code com.microsoft.onnxruntime:onnxruntime} is not
 * on the classpath.
 */
public final class OnnxBackend implements Backend {
    static final String COORDINATES = "com.microsoft.onnxruntime:onnxruntime";

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public String unavailableReason() {
        return Classpath.has(OnnxBackend.class, "ai.onnxruntime.OrtEnvironment")
                ? null
                : "ONNX Runtime is not on the classpath; add the Maven artifact " + COORDINATES;
    }

    @Override
    public BackendSession open(ArtifactContext context) {
        return OnnxSession.open(context);
    }
}
