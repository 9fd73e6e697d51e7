package io.jinfer.spi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a backend gets the buffers it lets its runtime write outputs into (ONNX Runtime's pinned
 * outputs). {@link io.jinfer.Model#predict} hands {@link #FRESH}: each call gets buffers no other
 * call has had, which belong to the caller's result for as long as it is held. {@link
 * io.jinfer.Model#run} hands a per-model pool: the buffers go back to it when the caller closes its
 * {@link io.jinfer.Prediction}, and the next call reuses them.
 */
@FunctionalInterface
public interface OutputBuffers {
    /**
     * Buffers never handed out before, zeroed: small ones cut from a direct slab of the calling
     * thread (docs/decisions.md, "Output slabs"), larger ones {@linkplain #allocate allocated}
     * alone. What {@code predict} uses, and what a small tensor of {@link io.jinfer.Tensor} is made
     * in.
     */
    OutputBuffers FRESH = FreshSlabs::take;

    /**
     * A direct buffer in native byte order, position 0, capacity and limit exactly {@code bytes},
     * which no one else writes until this call's result is released. Its contents are undefined:
     * the backend must overwrite every byte it returns.
     */
    ByteBuffer take(int bytes);

    /** A direct buffer of its own, {@code bytes} long, in native byte order. */
    static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
