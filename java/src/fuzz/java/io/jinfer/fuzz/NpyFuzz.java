package io.jinfer.fuzz;

import io.jinfer.npy.Npy;

/** The {@code .npy} reader. */
public final class NpyFuzz {
    private NpyFuzz() {}

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
        Fuzz.allowed(() -> Npy.read(data, "fuzz.npy", Fuzz.LIMITS));
    }
}
