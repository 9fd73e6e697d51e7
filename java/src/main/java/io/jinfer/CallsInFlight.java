package io.jinfer;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The calls a model is running, counted so that {@link Model#close()} can wait for them, at the
 * price of one uncontended atomic add on entry and one on exit. A read-write lock did this job
 * before: every call's read lock wrote one shared word (and a per-thread hold count), so two
 * threads predicting at batch 1 on two cores fought over one cache line on every call.
 *
 * <p>Each thread counts in a slot of its own choosing (by its id), 64 bytes from the next, and
 * always the same one, so its entry and its exit meet in one counter. The protocol, with the
 * model's volatile {@code closed} flag: a call adds one to its slot, then reads {@code closed};
 * {@code close} sets {@code closed}, then waits until each slot reads zero. Both pairs are
 * sequentially consistent (volatile writes and atomic adds, then volatile reads), so either the
 * call sees {@code closed} and leaves, or {@code close} sees its count and waits for it. A call
 * that starts after {@code closed} is set can make a slot nonzero for a moment; {@code close} then
 * waits a moment longer, never less.
 */
final class CallsInFlight {
    private static final int SLOTS = 16; // a power of two
    private static final int STRIDE = 16; // ints per slot: 64 bytes apart, one cache line each

    private final AtomicIntegerArray counts = new AtomicIntegerArray(SLOTS * STRIDE);
    private volatile Thread waiter;

    /** Counts a call in; returns the slot to pass to {@link #exit}. */
    int enter() {
        long id = Thread.currentThread().getId();
        int slot = (int) ((id * 0x9E3779B97F4A7C15L) >>> 60) * STRIDE; // Fibonacci hash, 4 bits
        counts.getAndIncrement(slot);
        return slot;
    }

    /** Counts a call out, and wakes {@link #awaitNone} if it waits. */
    void exit(int slot) {
        counts.getAndDecrement(slot);
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** The calls in flight now (for tests). */
    int count() {
        int n = 0;
        for (int i = 0; i < SLOTS; i++) {
            n += counts.get(i * STRIDE);
        }
        return n;
    }

    /**
     * Waits until no call is in flight; the caller has set the flag that keeps new ones out first.
     * One waiter at a time (the model's close lock).
     */
    void awaitNone() {
        waiter = Thread.currentThread();
        try {
            boolean interrupted = false;
            for (int i = 0; i < SLOTS; i++) {
                while (counts.get(i * STRIDE) != 0) {
                    LockSupport.parkNanos(this, 1_000_000L); // woken by exit, or a millisecond
                    interrupted |= Thread.interrupted();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            waiter = null;
        }
    }
}
