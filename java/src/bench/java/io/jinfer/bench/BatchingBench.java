package io.jinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.jinfer.BatchingModel;
import io.jinfer.DType;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Micro-batching measured: many caller threads each predicting 1 row in a loop on one model, with
 * and without {@link BatchingModel}, in interleaved rounds. Reports rows/s, the median and p99 of a
 * call's latency, the rows per backend call, and one batch's compute (one thread, the plain model,
 * at the mean batch the wrapper made), which the p99 target is judged against.
 *
 * <pre>
 * java -cp "$(cat build/bench/classpath.txt)" io.jinfer.bench.BatchingBench \
 *     --bundle rf=build/bench/work/rf.jinfer --threads 64 --max-batch 64 --max-delay-ms 2 \
 *     --round-ms 2000 --rounds 5 --out build/bench/batching.json
 * </pre>
 */
public final class BatchingBench {
    private static final int MAX_SAMPLES = 1 << 16; // latencies kept per thread and mode

    private final int threads;
    private final long roundNanos;
    private final int rounds;
    private final int maxBatch;
    private final Duration maxDelay;

    private BatchingBench(JavaBench.Args a) {
        threads = a.integer("threads", 64);
        roundNanos = a.millis("round-ms", 2000);
        rounds = a.integer("rounds", 5);
        maxBatch = a.integer("max-batch", 64);
        maxDelay = Duration.ofNanos(a.millis("max-delay-ms", 2));
    }

    /** Entry point; see the class comment for the arguments. */
    public static void main(String[] argv) throws Exception {
        JavaBench.Args a = new JavaBench.Args(argv);
        BatchingBench bench = new BatchingBench(a);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load_before", loadAverage());
        for (Map.Entry<String, Path> b : a.bundles().entrySet()) {
            out.put(b.getKey(), bench.run(b.getValue()));
        }
        out.put("load_after", loadAverage());
        Path file = Paths.get(a.string("out", "batching-bench.json"));
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), out);
        System.err.println("  java: wrote " + file);
    }

    private Map<String, Object> run(Path path) throws Exception {
        LoadOptions onnx = LoadOptions.builder().backend("onnx").build();
        try (Model plain = Models.load(path, onnx);
                BatchingModel batching =
                        BatchingModel.wrap(Models.load(path, onnx), maxBatch, maxDelay)) {
            int features = (int) plain.inputs().get(0).shape()[1];
            Tensor[] rows = new Tensor[threads];
            for (int t = 0; t < threads; t++) {
                rows[t] = Tensor.wrap(JavaBench.floats(features, t), DType.FLOAT32, 1, features);
            }
            Mode unbatched = new Mode("unbatched", t -> plain.predict(rows[t]));
            Mode batched = new Mode("batched", t -> batching.predict(rows[t]));
            ExecutorService pool = Executors.newFixedThreadPool(threads, daemon());
            try {
                round(pool, unbatched, false); // warm-up, both
                round(pool, batched, false);
                BatchingModel.Stats before = batching.stats();
                for (int r = 0; r < rounds; r++) {
                    for (Mode m :
                            r % 2 == 0
                                    ? List.of(unbatched, batched)
                                    : List.of(batched, unbatched)) {
                        round(pool, m, true);
                    }
                }
                BatchingModel.Stats after = batching.stats();
                double perCall =
                        (double) (after.calls() - before.calls())
                                / Math.max(1, after.backendCalls() - before.backendCalls());
                int meanBatch = (int) Math.max(1, Math.round(perCall));
                Map<String, Object> res = new LinkedHashMap<>();
                res.put("threads", threads);
                res.put("max_batch", maxBatch);
                res.put("max_delay_us", maxDelay.toNanos() / 1e3);
                res.put("rows_per_backend_call", perCall);
                res.put("batch_compute_us", batchCompute(plain, features, meanBatch) / 1e3);
                res.put("unbatched", unbatched.summary());
                res.put("batched", batched.summary());
                res.put(
                        "rows_per_s_ratio",
                        batched.medianRate() / Math.max(1e-9, unbatched.medianRate()));
                System.err.println("  java: " + path.getFileName() + " " + res);
                return res;
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The median of 200 single-thread calls of the plain model at {@code batch} rows, in ns. */
    private static double batchCompute(Model plain, int features, int batch) {
        Tensor x =
                Tensor.wrap(JavaBench.floats(batch * features, 99), DType.FLOAT32, batch, features);
        for (int i = 0; i < 50; i++) {
            plain.predict(x);
        }
        long[] ns = new long[200];
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            plain.predict(x);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        return ns[ns.length / 2];
    }

    private void round(ExecutorService pool, Mode mode, boolean keep) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int id = i;
            futures.add(
                    pool.submit(
                            () -> {
                                long[] lat = new long[MAX_SAMPLES];
                                int n = 0;
                                ready.countDown();
                                go.await();
                                while (!stop.get()) {
                                    long t0 = System.nanoTime();
                                    mode.call.run(id);
                                    long dt = System.nanoTime() - t0;
                                    if (n < lat.length) {
                                        lat[n++] = dt;
                                    }
                                }
                                return Arrays.copyOf(lat, n);
                            }));
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        Thread.sleep(roundNanos / 1_000_000, (int) (roundNanos % 1_000_000));
        stop.set(true);
        List<long[]> all = new ArrayList<>();
        long calls = 0;
        for (Future<long[]> f : futures) {
            long[] l = f.get();
            all.add(l);
            calls += l.length;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (keep) {
            mode.rates.add(calls / seconds);
            mode.latencies.addAll(all);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread th = new Thread(r, "bench-caller");
            th.setDaemon(true);
            return th;
        };
    }

    private static String loadAverage() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** One way of calling: its per-round rows/s and every call's latency. */
    private static final class Mode {
        interface Call {
            Object run(int thread);
        }

        final String name;
        final Call call;
        final List<Double> rates = new ArrayList<>();
        final List<long[]> latencies = new ArrayList<>();

        Mode(String name, Call call) {
            this.name = name;
            this.call = call;
        }

        double medianRate() {
            double[] r = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return r.length == 0 ? 0 : r[r.length / 2];
        }

        Map<String, Object> summary() {
            long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("mode", name);
            s.put("rows_per_s", medianRate());
            s.put("rows_per_s_rounds", rates);
            s.put("calls", all.length);
            s.put("p50_us", all.length == 0 ? 0 : all[all.length / 2] / 1e3);
            s.put(
                    "p99_us",
                    all.length == 0
                            ? 0
                            : all[(int) Math.min(all.length - 1, all.length * 0.99)] / 1e3);
            return s;
        }
    }
}
