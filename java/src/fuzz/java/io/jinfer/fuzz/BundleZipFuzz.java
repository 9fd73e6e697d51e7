package io.jinfer.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;

/** The zip bundle opener: the bytes as a {@code .jinfer} file, opened and read through. */
public final class BundleZipFuzz {
    private BundleZipFuzz() {}

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
                    Path file = Fuzz.scratch("bundle.jinfer");
                    Files.write(file, data);
                    Fuzz.readAll(file);
                });
    }
}
