package io.jinfer.bridge;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.reflect.Field;

/**
 * JPype's link from Java's collector to Python's, with a bound on what it costs. JPype (1.7) keeps
 * a sentinel on its reference queue that dies at every Java collection, young ones included, and
 * each time its queue thread takes the GIL and runs a full Python collection ({@code
 * PyGC_Collect}). A backend that allocates as JPMML does (about 2 KB a row) makes a young
 * collection every few milliseconds of work; in a Python process holding pandas and scikit-learn
 * each of those Python collections took 30-40 ms, so Python's collector ran about half of the time,
 * on one of the two cores and holding the GIL (docs/decisions.md, "PMML from Python, round two").
 *
 * <p>{@link #install} puts a sentinel that never dies in JPype's place, and watches Java's
 * collections with one of its own: after one, it runs Python's collection as JPype would, unless
 * the last one ran less than {@code minIntervalMillis} ago or less than {@code costFactor} times
 * its own duration ago. So Python still collects after Java does (cycles that hold Java objects are
 * freed, as JPype intends), at a bounded share of the time.
 */
public final class PythonCollections {
    private static final String JPYPE_QUEUE = "org.jpype.ref.JPypeReferenceQueue";

    /** The object JPype's replacement sentinel refers to, reachable for the JVM's life. */
    private static final Object HELD = new Object();

    private static final PhantomReference<Object> NEVER = new PhantomReference<>(HELD, null);

    private static Thread watcher; // guarded by the class
    private static volatile long collections;

    private PythonCollections() {}

    /**
     * Replaces JPype's link with the bounded one, once per JVM (later calls return whether the
     * first one did).
     *
     * @param collect runs Python's collection (jinfer's Python package gives a proxy of {@code
     *     gc.collect})
     * @param minIntervalMillis the least time between two of those collections
     * @param costFactor the least time between two of them, in multiples of the last one's duration
     *     (100: they take at most 1% of the time)
     * @return false when JPype's queue is not there or not as JPype 1.7 lays it out: its own link
     *     then stays as it is
     */
    public static synchronized boolean install(
            Runnable collect, long minIntervalMillis, long costFactor) {
        if (watcher != null) {
            return true;
        }
        Object queue;
        Field sentinel;
        try {
            Class<?> q = Class.forName(JPYPE_QUEUE);
            queue = q.getMethod("getInstance").invoke(null);
            sentinel = q.getDeclaredField("sentinel");
            if (!PhantomReference.class.isAssignableFrom(sentinel.getType())) {
                return false;
            }
            sentinel.setAccessible(true);
            sentinel.set(queue, NEVER);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
        long minInterval = Math.max(0, minIntervalMillis) * 1_000_000L;
        Thread t =
                new Thread(
                        () -> watch(queue, sentinel, collect, minInterval, costFactor),
                        "jinfer-python-gc");
        t.setDaemon(true);
        t.start();
        watcher = t;
        return true;
    }

    /** How many Python collections the bounded link has run (for tests and diagnostics). */
    public static long collections() {
        return collections;
    }

    private static void watch(
            Object queue, Field sentinel, Runnable collect, long minInterval, long costFactor) {
        ReferenceQueue<Object> died = new ReferenceQueue<>();
        PhantomReference<Object> ours = new PhantomReference<>(new Object(), died);
        long next = System.nanoTime();
        while (true) {
            try {
                Reference<?> r = died.remove();
                if (r == ours) {
                    ours = new PhantomReference<>(new Object(), died);
                }
                // JPype's queue thread may have put a sentinel of its own back while it took the
                // last one of its own (it dies at the same collection as ours): take it away again
                if (sentinel.get(queue) != NEVER) {
                    sentinel.set(queue, NEVER);
                }
                long now = System.nanoTime();
                if (now - next >= 0) {
                    collect.run();
                    collections++;
                    long took = System.nanoTime() - now;
                    next = System.nanoTime() + Math.max(minInterval, costFactor * took);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) { // Python at exit, or a collector callback that failed
                next = System.nanoTime() + Math.max(minInterval, 1_000_000_000L);
            }
        }
    }
}
