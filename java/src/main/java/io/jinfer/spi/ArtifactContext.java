package io.jinfer.spi;

import io.jinfer.BackendException;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;

import java.util.function.Supplier;

/**
 * What a {@link Backend} gets to load one artifact.
 *
 * @param manifest the bundle's manifest
 * @param artifact the artifact to load
 * @param reader reads the artifact's bytes, checking their size and sha256; see {@link #bytes()}
 * @param options the caller's load options
 * @param files reads another file of the bundle, checking its size and sha256; see {@link #file}
 */
public record ArtifactContext(
        Manifest manifest,
        Manifest.Artifact artifact,
        Supplier<byte[]> reader,
        LoadOptions options,
        Files files) {

    /** Reads a file of the bundle, checking it against the size and sha256 the manifest records. */
    @FunctionalInterface
    public interface Files {
        /**
         * The bytes of {@code path}.
         *
         * @throws io.jinfer.BundleException {@code ARTIFACT_MISSING} or {@code CHECKSUM_MISMATCH}
         */
        byte[] read(String path, long bytes, String sha256);
    }

    /** A context with no other file to read (a live model has no bundle). */
    public ArtifactContext(
            Manifest manifest,
            Manifest.Artifact artifact,
            Supplier<byte[]> reader,
            LoadOptions options) {
        this(
                manifest,
                artifact,
                reader,
                options,
                (path, bytes, sha256) -> {
                    throw new BackendException(
                            ErrorCode.BACKEND_FAILURE,
                            artifact.path() + " asks for " + path + ", but it is not in a bundle");
                });
    }

    /** The artifact's bytes, with size and sha256 already checked against the manifest. */
    public byte[] bytes() {
        return reader.get();
    }

    /**
     * A file of the bundle the artifact names (ONNX external data), after checking its size and
     * sha256 against what the manifest records of it.
     */
    public byte[] file(String path, long bytes, String sha256) {
        return files.read(path, bytes, sha256);
    }
}
