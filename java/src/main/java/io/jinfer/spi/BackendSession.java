package io.jinfer.spi;

import io.jinfer.Tensor;

import java.util.Map;

/**
 * One loaded artifact, ready to run. Implementations must be thread-safe, and must not keep a
 * reference to any input tensor's buffer after {@link #run} returns.
 */
public interface BackendSession extends AutoCloseable {
    /**
     * Runs one batch. The inputs are already checked against the manifest's specs (names, dtypes,
     * ranks and fixed dimensions) and the batch is not empty. It returns exactly the manifest's
     * canonical outputs.
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs, long batch);

    /**
     * {@link #run(Map, long)}, writing outputs whose size is known before the run into buffers from
     * {@code buffers} (the returned tensors view them). A backend that has its runtime write
     * nowhere but its own memory ignores {@code buffers}: the default does.
     */
    default Map<String, Tensor> run(Map<String, Tensor> inputs, long batch, OutputBuffers buffers) {
        return run(inputs, batch);
    }

    /** Releases native resources. Idempotent. */
    @Override
    void close();
}
