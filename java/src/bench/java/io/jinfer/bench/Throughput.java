package io.jinfer.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rows per second with 1, 2, ... caller threads, each predicting in a loop on one shared model.
 * Rounds of every thread count run interleaved (1 2, 2 1, ...), each for a fixed time; a sample is
 * one round's rows divided by its wall time. The first round of each count is a warm-up.
 */
final class Throughput {
    /** One prediction by thread {@code thread}; returns the rows it predicted. */
    interface Call {
        long run(int thread) throws Exception;
    }

    private final long roundNanos;
    private final int rounds;

    Throughput(long roundNanos, int rounds) {
        this.roundNanos = roundNanos;
        this.rounds = rounds;
    }

    /** Samples of rows/s by thread count. */
    Map<Integer, List<Double>> run(Call call, int[] threadCounts) throws Exception {
        int max = 1;
        for (int t : threadCounts) {
            max = Math.max(max, t);
        }
        Map<Integer, List<Double>> out = new LinkedHashMap<>();
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        max,
                        r -> {
                            Thread th = new Thread(r, "bench-caller");
                            th.setDaemon(true);
                            return th;
                        });
        try {
            for (int t : threadCounts) {
                out.put(t, new ArrayList<>());
                round(pool, call, t); // warm-up
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < threadCounts.length; i++) {
                    int t = threadCounts[(i + r) % threadCounts.length];
                    out.get(t).add(round(pool, call, t));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private double round(ExecutorService pool, Call call, int threads) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int id = i;
            futures.add(
                    pool.submit(
                            () -> {
                                ready.countDown();
                                go.await();
                                long rows = 0;
                                while (!stop.get()) {
                                    rows += call.run(id);
                                }
                                return rows;
                            }));
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        Thread.sleep(roundNanos / 1_000_000, (int) (roundNanos % 1_000_000));
        stop.set(true);
        long rows = 0;
        for (Future<Long> f : futures) {
            rows += f.get();
        }
        return rows / ((System.nanoTime() - t0) / 1e9);
    }
}
