package io.jinfer.spi;

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
 */
public record ArtifactContext(
        Manifest manifest,
        Manifest.Artifact artifact,
        Supplier<byte[]> reader,
        LoadOptions options) {

    /** The artifact's bytes, with size and sha256 already checked against the manifest. */
    public byte[] bytes() {
        return reader.get();
    }
}
