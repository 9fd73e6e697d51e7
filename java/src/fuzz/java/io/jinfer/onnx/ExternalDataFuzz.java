package io.jinfer.onnx;

import io.jinfer.fuzz.Fuzz;

import java.io.IOException;

/**
 * The ONNX external-data walk, which reads a ModelProto before ONNX Runtime sees it. Bytes that are
 * no protobuf give an {@link IOException}, which the loader turns into a typed refusal.
 */
public final class ExternalDataFuzz {
    private ExternalDataFuzz() {}

    /**
     * Jazzer calls this once before it times inputs: the classes the reader needs are loaded (and
     * instrumented) here, not within the first input's time box.
     */
    public static void fuzzerInitialize() {
        Fuzz.warmUp();
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(
                () -> {
                    try {
                        ExternalData.find(data);
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        // refused by ExternalData.resolve as BACKEND_FAILURE: not ONNX
                    }
                });
    }
}
