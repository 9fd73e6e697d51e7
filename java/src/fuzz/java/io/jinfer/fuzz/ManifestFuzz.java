package io.jinfer.fuzz;

import io.jinfer.Manifest;

/** The manifest reader: {@code Manifest.parse} on any bytes. */
public final class ManifestFuzz {
    private ManifestFuzz() {}

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
        Fuzz.allowed(() -> Manifest.parse(data, Fuzz.LIMITS));
    }
}
