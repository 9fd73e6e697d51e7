package io.jinfer.fuzz;

import io.jinfer.Bundle;
import io.jinfer.JinferException;
import io.jinfer.Limits;
import io.jinfer.Manifest;
import io.jinfer.npy.ParitySample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the fuzz targets share. A target takes the fuzzer's bytes and lets only a {@link
 * JinferException} pass, the one allowed failure; anything else that escapes it is a finding.
 */
public final class Fuzz {
    /** Limits that keep one input fast (an 8 MiB bomb inflates in milliseconds) and still bite. */
    public static final Limits LIMITS =
            Limits.builder().maxBundleBytes(64L << 20).maxEntryBytes(32L << 20).build();

    private static final ThreadLocal<Path> SCRATCH =
            ThreadLocal.withInitial(
                    () -> unchecked(() -> Files.createTempDirectory("jinfer-fuzz")));

    private Fuzz() {}

    /** Something a target runs, which may throw what the reader throws. */
    @FunctionalInterface
    public interface Body {
        /** Reads the input. */
        void run() throws IOException;
    }

    /** Runs {@code body}; a JinferException is an allowed outcome, and so is success. */
    public static void allowed(Body body) {
        try {
            body.run();
        } catch (JinferException e) {
            // a typed refusal: what the reader promises for bad input
        } catch (IOException e) {
            throw new UncheckedIOException("an I/O error is not a typed refusal", e);
        }
    }

    /** A fresh empty folder of this thread's scratch space, called {@code name}. */
    public static Path scratch(String name) throws IOException {
        Path p = SCRATCH.get().resolve(name);
        Tree.delete(p);
        return p;
    }

    /** Opens the bundle, reads every file, every artifact (checked) and the parity sample. */
    public static void readAll(Path bundle) {
        try (Bundle b = Bundle.open(bundle, LIMITS)) {
            for (String name : b.names()) {
                b.read(name);
            }
            for (Manifest.Artifact a : b.manifest().artifacts()) {
                b.readArtifact(a);
            }
            ParitySample.inputs(b);
            ParitySample.expected(b);
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T unchecked(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
