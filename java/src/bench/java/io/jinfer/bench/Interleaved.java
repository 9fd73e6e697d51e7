package io.jinfer.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times several calls side by side. Each call is warmed up, then given a block size (calls per
 * block) that makes one block last about {@code blockNanos}. Then, round after round, one block of
 * each call runs, in an order rotated every round (A B, B A, A B ...), so that machine noise on any
 * time scale longer than a block hits every call alike. A sample is one block's time divided by its
 * calls: seconds per call.
 */
final class Interleaved {
    /** One thing to time; returns something so the JIT cannot drop the work. */
    interface Call {
        long run() throws Exception;
    }

    private final long warmupNanos;
    private final long blockNanos;
    private final int rounds;
    private long sink;

    Interleaved(long warmupNanos, long blockNanos, int rounds) {
        this.warmupNanos = warmupNanos;
        this.blockNanos = blockNanos;
        this.rounds = rounds;
    }

    /** The result for one call: seconds per call, one sample per round, and the block size. */
    static final class Samples {
        final int callsPerBlock;
        final List<Double> seconds = new ArrayList<>();

        Samples(int callsPerBlock) {
            this.callsPerBlock = callsPerBlock;
        }
    }

    /**
     * Times every call in {@code calls}, interleaved; returns the samples by name, in the same
     * order.
     */
    Map<String, Samples> run(Map<String, Call> calls) throws Exception {
        List<String> names = new ArrayList<>(calls.keySet());
        Map<String, Samples> out = new LinkedHashMap<>();
        for (String name : names) {
            Call c = calls.get(name);
            double perCall = warmUp(c);
            int n =
                    (int)
                            Math.max(
                                    1,
                                    Math.min(1_000_000, Math.round(blockNanos / (perCall * 1e9))));
            out.put(name, new Samples(n));
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + r) % names.size());
                Call c = calls.get(name);
                Samples s = out.get(name);
                long t0 = System.nanoTime();
                for (int k = 0; k < s.callsPerBlock; k++) {
                    sink += c.run();
                }
                s.seconds.add((System.nanoTime() - t0) / 1e9 / s.callsPerBlock);
            }
        }
        return out;
    }

    /**
     * Runs every call, in turn, for about {@code nanos} in all: lets the JIT compile the paths
     * first.
     */
    void prewarm(Map<String, Call> calls, long nanos) throws Exception {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            for (Call c : calls.values()) {
                long stop = Math.min(end, System.nanoTime() + 10_000_000L);
                do {
                    sink += c.run();
                } while (System.nanoTime() < stop);
            }
        }
    }

    /**
     * Runs {@code c} for the warm-up time (at least 5 calls); returns the seconds of one call at
     * the end.
     */
    private double warmUp(Call c) throws Exception {
        long start = System.nanoTime();
        long calls = 0;
        long last = 0;
        while (calls < 5 || System.nanoTime() - start < warmupNanos) {
            long t0 = System.nanoTime();
            sink += c.run();
            last = System.nanoTime() - t0;
            calls++;
        }
        // the mean of a short tail is steadier than one call
        long t0 = System.nanoTime();
        int tail = (int) Math.max(1, Math.min(1000, (blockNanos / 4) / Math.max(1, last)));
        for (int k = 0; k < tail; k++) {
            sink += c.run();
        }
        return (System.nanoTime() - t0) / 1e9 / tail;
    }

    /** Keeps results observable. */
    long sink() {
        return sink;
    }
}
