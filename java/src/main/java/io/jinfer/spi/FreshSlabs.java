package io.jinfer.spi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link OutputBuffers#FRESH}: each thread cuts its small output buffers one after another from a
 * direct slab of its own, and starts a new slab when the next buffer does not fit; a buffer larger
 * than {@link #LARGEST_CUT} is allocated alone.
 *
 * <p>Why: {@code ByteBuffer.allocateDirect} reserves direct memory in one counter the whole JVM
 * shares, zeroes the memory and registers a cleaner in one shared list, per buffer. Two output
 * buffers per call made {@code predict} on a cheap model slower than the runtime's own call and
 * kept it from scaling across threads (docs/benchmarks.md, the threads rows). A cut is a heap
 * object over memory that exists. A slab is freed, as any direct buffer, once the collector finds
 * no buffer cut from it reachable: a caller that keeps one result keeps at most one slab.
 *
 * <p>A cut's bytes are zeros: a slab is allocated zeroed, and no part of it is cut twice. {@code
 * Tensor}'s small tensors are cut here too, and {@code Tensor.zeros} relies on it.
 */
final class FreshSlabs {
    /** The bytes of one slab. */
    static final int SLAB_BYTES = 64 << 10;

    /** The largest buffer cut from a slab; a larger one is allocated alone. */
    static final int LARGEST_CUT = SLAB_BYTES / 4;

    /** Where each cut starts in its slab: a multiple of this, as wide as a cache line. */
    static final int ALIGN = 64;

    private static final ThreadLocal<FreshSlabs> OF_THREAD =
            ThreadLocal.withInitial(FreshSlabs::new);

    private ByteBuffer slab;
    private int used;

    private FreshSlabs() {}

    static ByteBuffer take(int bytes) {
        if (bytes > LARGEST_CUT) {
            return OutputBuffers.allocate(bytes);
        }
        return OF_THREAD.get().cut(bytes);
    }

    private ByteBuffer cut(int bytes) {
        if (slab == null || used + bytes > SLAB_BYTES) {
            slab = ByteBuffer.allocateDirect(SLAB_BYTES);
            used = 0;
        }
        ByteBuffer b = slab.slice(used, bytes).order(ByteOrder.nativeOrder());
        used += (bytes + ALIGN - 1) & -ALIGN;
        return b;
    }
}
