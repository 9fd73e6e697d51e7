package io.jinfer.fuzz;

import io.jinfer.npy.Npz;

import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code .npz} reader, on a file as the CLI reads one. */
public final class NpzFuzz {
    private NpzFuzz() {}

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
                    Path file = Fuzz.scratch("fuzz.npz");
                    Files.write(file, data);
                    Npz.read(file, "fuzz.npz", Fuzz.LIMITS, Fuzz.LIMITS.maxBundleBytes());
                });
    }
}
