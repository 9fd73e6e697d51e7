package io.jinfer.fuzz;

import io.jinfer.Bundle;
import io.jinfer.JinferException;
import io.jinfer.Limits;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.npy.Npz;
import io.jinfer.npy.ParitySample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

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

    /**
     * Reads a small valid bundle once (a manifest, an artifact, a parity sample), so that Jackson,
     * the zip reader and the npy reader are loaded before the fuzzer starts its clock.
     */
    public static void warmUp() {
        String manifest =
                "{\"format\": \"jinfer-bundle\", \"format_version\": 1, \"name\": \"w\","
                    + " \"version\": \"1\", \"created_at\": \"2026-11-22T03:00:00Z\", \"task\":"
                    + " \"regression\", \"inputs\": [{\"name\": \"x\", \"dtype\": \"float32\","
                    + " \"shape\": [-1, 2]}], \"outputs\": [{\"name\": \"prediction\", \"dtype\":"
                    + " \"float32\", \"shape\": [-1]}], \"artifacts\": [{\"backend\": \"test\","
                    + " \"path\": \"m.bin\", \"sha256\": \""
                        + Bundle.sha256(new byte[] {1})
                        + "\", \"bytes\": 1}]}";
        allowed(
                () -> {
                    Path dir = scratch("warm-up");
                    Files.createDirectories(dir.resolve("parity"));
                    Files.write(
                            dir.resolve("manifest.json"),
                            manifest.getBytes(StandardCharsets.UTF_8));
                    Files.write(dir.resolve("m.bin"), new byte[] {1});
                    Npz.write(
                            Map.of("x", Tensor.of(new float[][] {{1, 2}})),
                            dir.resolve("parity/inputs.npz"));
                    readAll(dir);
                    Path zip = scratch("warm-up.jinfer");
                    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
                        for (String name :
                                new String[] {"manifest.json", "m.bin", "parity/inputs.npz"}) {
                            z.putNextEntry(new ZipEntry(name));
                            z.write(Files.readAllBytes(dir.resolve(name)));
                        }
                    }
                    readAll(zip);
                });
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
