package io.jinfer.python;

/**
 * One Python model or callable, as Java sees it. Implemented in Python when Python hosts the JVM
 * ({@code jinfer._runtime.pyhost}, through JPype), and by {@code io.jinfer.python.jep.JepModel}
 * when a plain JVM embeds CPython (Jep).
 *
 * <p>The call is shaped so that crossing into CPython costs as few JPype conversions as possible:
 * tensors travel as bare buffers in manifest order, their dtypes come from the manifest, and all
 * their shapes travel in one {@code long[]}.
 */
public interface PythonModel {
    /**
     * Runs one batch.
     *
     * @param inputs the manifest's inputs, in its order: a read-only direct buffer in native order
     *     (viewed by numpy, not copied) or a {@code String[]} for a string tensor
     * @param shapes the inputs' shapes, one after another
     * @param small null, or one writable direct buffer for all outputs, each starting at the next
     *     multiple of 8 bytes in manifest order, for Python to copy its results into (Java passes
     *     it when every output is numeric with fixed inner dimensions, and all are small)
     * @return null when {@code small} was given; else the manifest's outputs in its order, each a
     *     direct buffer over the numpy result's own memory (no copy), a {@code String[]}, or null
     *     when it has no elements; followed, unless every output has fixed inner dimensions (so
     *     that the batch fixes its shape), by one {@code long[]} holding their shapes one after
     *     another
     * @throws PythonException when the Python code raises
     */
    Object[] predict(Object[] inputs, long[] shapes, java.nio.ByteBuffer small);

    /** The manifest of a live object (its specs), as JSON. */
    String manifestJson();

    /**
     * Frees the Python object; the model is not called again. Under JPype, the proxy lets go of it
     * (without this, it would go only when Java collects the proxy).
     */
    default void close() {}
}
