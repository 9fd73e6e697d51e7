package io.jinfer.fuzz;

import io.jinfer.npy.Npy;

/** The {@code .npy} reader. */
public final class NpyFuzz {
    private NpyFuzz() {}

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(() -> Npy.read(data, "fuzz.npy", Fuzz.LIMITS));
    }
}
