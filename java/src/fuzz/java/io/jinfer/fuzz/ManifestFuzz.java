package io.jinfer.fuzz;

import io.jinfer.Manifest;

/** The manifest reader: {@code Manifest.parse} on any bytes. */
public final class ManifestFuzz {
    private ManifestFuzz() {}

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(() -> Manifest.parse(data, Fuzz.LIMITS));
    }
}
