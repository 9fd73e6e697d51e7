package io.jinfer.spi;

import io.jinfer.LoadOptions;
import io.jinfer.Manifest;

import java.util.function.Supplier;

/** What a {@link Backend} gets to load one artifact. */
public final class ArtifactContext {
    private final Manifest manifest;
    private final Manifest.Artifact artifact;
    private final Supplier<byte[]> bytes;
    private final LoadOptions options;

    public ArtifactContext(
            Manifest manifest,
            Manifest.Artifact artifact,
            Supplier<byte[]> bytes,
            LoadOptions options) {
        this.manifest = manifest;
        this.artifact = artifact;
        this.bytes = bytes;
        this.options = options;
    }

    public Manifest manifest() {
        return manifest;
    }

    public Manifest.Artifact artifact() {
        return artifact;
    }

    /** The artifact's bytes, with size and sha256 already checked against the manifest. */
    public byte[] bytes() {
        return bytes.get();
    }

    public LoadOptions options() {
        return options;
    }
}
