package io.jinfer;

import io.jinfer.spi.OutputBuffers;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One model's idle output buffers, by exact size, for {@link Model#run}: a call takes what it needs
 * (or allocates when none is idle), and its {@link Prediction}'s close gives them back. A buffer is
 * in the pool or in one prediction, never both, so concurrent callers never share one. At most
 * {@link #MAX_IDLE_BYTES} wait idle; a buffer given back beyond that is dropped to the collector,
 * so a burst of many concurrent or many differently-sized calls cannot pin memory for good.
 */
final class OutputPool {
    /** The idle bytes one model keeps. */
    static final long MAX_IDLE_BYTES = 64L << 20;

    private final ConcurrentHashMap<Integer, Queue<ByteBuffer>> idle = new ConcurrentHashMap<>();
    private final AtomicLong idleBytes = new AtomicLong();

    /** The buffers of one call: taken from this pool, recorded for {@link Lease#release()}. */
    Lease lease() {
        return new Lease(this);
    }

    private ByteBuffer take(int bytes) {
        Queue<ByteBuffer> q = idle.get(bytes);
        ByteBuffer b = q == null ? null : q.poll();
        if (b == null) {
            return OutputBuffers.allocate(
                    bytes); // its own memory: a pooled buffer outlives any slab
        }
        idleBytes.addAndGet(-bytes);
        return b.clear();
    }

    private void give(ByteBuffer b) {
        int bytes = b.capacity();
        if (idleBytes.addAndGet(bytes) > MAX_IDLE_BYTES) {
            idleBytes.addAndGet(-bytes);
            return; // over the bound: the collector frees it
        }
        idle.computeIfAbsent(bytes, k -> new ConcurrentLinkedQueue<>()).add(b);
    }

    /** The idle bytes now, for tests. */
    long idleBytes() {
        return idleBytes.get();
    }

    /**
     * The buffers one call took; tensors made over them check {@link #isReleased()} before every
     * read. Not thread-safe for {@link #take}: one call's backend takes its buffers on one thread.
     */
    static final class Lease implements OutputBuffers {
        private final OutputPool pool;
        private ByteBuffer[] taken = new ByteBuffer[2];
        private int count;
        private volatile boolean released;

        private Lease(OutputPool pool) {
            this.pool = pool;
        }

        @Override
        public ByteBuffer take(int bytes) {
            ByteBuffer b = pool.take(bytes);
            if (count == taken.length) {
                taken = java.util.Arrays.copyOf(taken, 2 * count);
            }
            taken[count++] = b;
            return b;
        }

        boolean isReleased() {
            return released;
        }

        /** Gives the buffers back, once; reads through the call's tensors fail from now on. */
        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            for (int i = 0; i < count; i++) {
                pool.give(taken[i]);
                taken[i] = null;
            }
        }
    }
}
