package io.jinfer.spi;

/**
 * A way to run one kind of artifact ({@code "onnx"}, {@code "pmml"}, ...). Implementations are
 * found with {@link java.util.ServiceLoader}: add the class name to {@code
 * META-INF/services/io.jinfer.spi.Backend}.
 *
 * <p>The implementing class must not refer to its runtime's classes in its own signatures or
 * fields, so that it loads, and reports itself unavailable, when the runtime is absent from the
 * classpath. Put the runtime-facing code in the {@link BackendSession} it returns.
 */
public interface Backend {
    /** The name artifacts use in the manifest, e.g. {@code "onnx"}. */
    String name();

    /**
     * Whether this backend's runtime can be used in this process: by default, whether {@link
     * #unavailableReason()} is null.
     */
    default boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why {@link #isAvailable()} is false, with what to add or do; null when available. */
    String unavailableReason();

    /**
     * Why this backend cannot run artifacts loaded with {@code options}, with what to add or do;
     * null when it can. By default {@link #unavailableReason()} whenever {@link #isAvailable()} is
     * false; a backend whose runtime an option chooses (the python backend's Python) overrides it.
     */
    default String unavailableReason(io.jinfer.LoadOptions options) {
        return isAvailable() ? null : unavailableReason();
    }

    /**
     * Loads the artifact.
     *
     * @throws io.jinfer.BundleException if the artifact is malformed for this backend
     * @throws io.jinfer.BackendException if the runtime refuses it
     */
    BackendSession open(ArtifactContext context);

    /**
     * Opens a live object this backend knows by name (for {@code Models.load("python:churn")}),
     * with no bundle file. Backends without live objects keep this default, which refuses.
     *
     * @throws io.jinfer.BackendException if there is no such object
     */
    default LiveModel openLive(String name, io.jinfer.LoadOptions options) {
        throw new io.jinfer.BackendException(
                io.jinfer.ErrorCode.NO_USABLE_BACKEND,
                "the "
                        + name()
                        + " backend has no live objects; '"
                        + name()
                        + ":"
                        + name
                        + "' cannot be loaded");
    }
}
