package io.jinfer.cli;

import io.jinfer.Bundle;
import io.jinfer.DType;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.npy.ParitySample;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code jinfer bench BUNDLE [--batch 1,64,1024] [--threads N] [--warmup N] [--backend NAME]
 * [--trust-python]}: latency and rows per second of {@code Model.predict} at each batch size, as
 * {@code jinfer bench} in Python gives them through the same Java code path.
 *
 * <p>Inputs are the bundle's parity sample ({@code parity/inputs.npz}) with its rows repeated to
 * the batch size, or, without one, values drawn for each input spec's dtype and shape (a dynamic
 * inner dimension taken as 1). Each batch size is warmed up for {@value #WARMUP_MS} ms, then runs
 * {@value #ROUNDS} rounds of a fixed number of calls (about {@value #ROUND_MS} ms' worth) on {@code
 * --threads} threads sharing the model. A row gives one call's latency (median, min and max over
 * every call) and rows/s (the median over rounds of rows divided by wall time).
 */
@Command(
        name = "bench",
        description =
                "Latency and rows/s of the bundle at each batch size, through the Java backend.")
final class BenchCommand extends Verb {
    static final int ROUNDS = 10;
    static final long ROUND_MS = 100;
    static final long WARMUP_MS = 300;
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    @Option(
            names = "--batch",
            split = ",",
            paramLabel = "N[,N...]",
            defaultValue = "1,64,1024",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "1",
            description =
                    "Threads predicting at once on one shared model (default: ${DEFAULT-VALUE}).")
    int threads;

    @ParentCommand Main main;

    @Mixin BackendOptions backendOptions;

    @Mixin WarmupOption warmup;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads: expected 1 or more, got " + threads);
        }
        for (int b : batches) {
            if (b < 1) {
                throw new IllegalArgumentException(
                        "--batch: batch sizes must be 1 or more, got " + b);
            }
        }
        Map<String, Tensor> sample;
        try (Bundle b = Bundle.open(bundle.path)) {
            sample = ParitySample.inputs(b);
        }
        PrintWriter out = out();
        List<Row> rows = new ArrayList<>();
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "jinfer-bench");
                            t.setDaemon(true);
                            return t;
                        });
        LoadOptions options =
                backendOptions.forSample(
                        backendOptions.backend, warmup.calls(LoadOptions.DEFAULT_WARMUP));
        try (Model model = Models.load(bundle.path, options)) {
            for (int batch : batches) {
                List<Map<String, Tensor>> feeds = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    feeds.add(inputs(model.inputs(), sample, batch, t));
                }
                Round warm = round(pool, model, feeds, 0, WARMUP_MS * 1_000_000L);
                long each =
                        Math.max(
                                1,
                                Math.round(
                                        ROUND_MS
                                                * 1e6
                                                * warm.calls()
                                                / threads
                                                / warm.wallNanos()));
                Progress bar =
                        (main == null ? Progress.Sink.NONE : main.progress)
                                .start("bench batch " + batch, ROUNDS * each * threads * batch);
                List<Long> latencies = new ArrayList<>();
                double[] rates = new double[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    Round round = round(pool, model, feeds, each, 0);
                    for (long[] perThread : round.nanos()) {
                        for (long n : perThread) {
                            latencies.add(n);
                        }
                    }
                    rates[r] = round.calls() * (double) batch / (round.wallNanos() / 1e9);
                    bar.advance(each * threads * batch);
                }
                bar.done();
                long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                Arrays.sort(rates);
                rows.add(new Row(batch, lat, median(rates)));
            }
            out.println(
                    bundle.path.getFileName()
                            + ": "
                            + model.backend()
                            + " backend, "
                            + threads
                            + " thread"
                            + (threads > 1 ? "s" : "")
                            + ", "
                            + Runtime.getRuntime().availableProcessors()
                            + " cores");
        } finally {
            pool.shutdownNow();
        }
        out.println(
                String.format(
                        Locale.ROOT,
                        "%8s  %14s  %23s  %12s  %7s",
                        "batch",
                        "latency median",
                        "min - max",
                        "rows/s",
                        "calls"));
        for (Row r : rows) {
            out.println(
                    String.format(
                            Locale.ROOT,
                            "%8d  %14s  %23s  %,12.0f  %7d",
                            r.batch(),
                            duration(median(r.nanos())),
                            duration(r.nanos()[0])
                                    + " - "
                                    + duration(r.nanos()[r.nanos().length - 1]),
                            r.rowsPerSecond(),
                            r.nanos().length));
        }
        out.flush();
        return Main.OK;
    }

    /**
     * One batch size's figures.
     *
     * @param batch the batch size
     * @param nanos each call's nanoseconds, sorted
     * @param rowsPerSecond rows per second over all threads
     */
    private record Row(int batch, long[] nanos, double rowsPerSecond) {}

    /**
     * What the threads of one round did: each call's nanoseconds, per thread, and the wall time.
     *
     * @param nanos each call's nanoseconds, one array per thread
     * @param wallNanos the round's wall time
     */
    private record Round(long[][] nanos, long wallNanos) {
        long calls() {
            long n = 0;
            for (long[] t : nanos) {
                n += t.length;
            }
            return n;
        }
    }

    /**
     * Each feed's thread predicts {@code each} times, or until {@code durationNanos} has passed.
     */
    private static Round round(
            ExecutorService pool,
            Model model,
            List<Map<String, Tensor>> feeds,
            long each,
            long durationNanos)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + durationNanos;
        List<Future<long[]>> futures = new ArrayList<>();
        for (Map<String, Tensor> feed : feeds) {
            futures.add(
                    pool.submit(
                            () -> {
                                long[] times = new long[each > 0 ? (int) each : 1024];
                                int n = 0;
                                while (true) {
                                    long t0 = System.nanoTime();
                                    model.predict(feed);
                                    long t1 = System.nanoTime();
                                    if (n == times.length) {
                                        times = Arrays.copyOf(times, n * 2);
                                    }
                                    times[n++] = t1 - t0;
                                    if (each > 0 ? n >= each : t1 >= deadline) {
                                        return Arrays.copyOf(times, n);
                                    }
                                }
                            }));
        }
        long[][] nanos = new long[feeds.size()][];
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = futures.get(i).get();
        }
        return new Round(nanos, System.nanoTime() - start);
    }

    /** One tensor per spec with {@code batch} rows: the sample's rows repeated, or drawn values. */
    static Map<String, Tensor> inputs(
            List<TensorSpec> specs, Map<String, Tensor> sample, int batch, long seed) {
        boolean usable = !sample.isEmpty();
        for (TensorSpec s : specs) {
            Tensor t = sample.get(s.name());
            usable &= t != null && t.rank() == s.rank() && t.rank() > 0 && t.dim(0) > 0;
        }
        Random random = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec s : specs) {
            out.put(s.name(), usable ? tile(sample.get(s.name()), batch) : draw(s, batch, random));
        }
        return out;
    }

    private static Tensor tile(Tensor src, int batch) {
        long[] shape = src.shape();
        long rows = shape[0];
        long perRow = src.size() / rows;
        shape[0] = batch;
        if (src.isString()) {
            String[] all = src.toStringArray();
            String[] vals = new String[Math.toIntExact(batch * perRow)];
            for (int i = 0; i < vals.length; i++) {
                vals[i] = all[(int) (i % (rows * perRow))];
            }
            return Tensor.ofStrings(vals, shape);
        }
        int rowBytes = Math.toIntExact(perRow * src.dtype().byteSize());
        ByteBuffer from = src.buffer();
        ByteBuffer to =
                ByteBuffer.allocateDirect(Math.multiplyExact(rowBytes, batch))
                        .order(ByteOrder.nativeOrder());
        byte[] row = new byte[rowBytes];
        for (int i = 0; i < batch; i++) {
            from.position((int) ((i % rows) * rowBytes));
            from.get(row);
            to.put(row);
        }
        to.flip();
        return Tensor.wrap(to, src.dtype(), shape);
    }

    private static Tensor draw(TensorSpec spec, int batch, Random random) {
        long[] shape = spec.shape().clone();
        shape[0] = batch;
        for (int i = 1; i < shape.length; i++) {
            shape[i] = Math.max(shape[i], 1);
        }
        int count = Math.toIntExact(Tensor.elementCount(shape));
        DType dtype = spec.dtype();
        if (dtype == DType.STRING) {
            String[] vals = new String[count];
            Arrays.fill(vals, "a");
            return Tensor.ofStrings(vals, shape);
        }
        ByteBuffer b =
                ByteBuffer.allocateDirect(Math.multiplyExact(count, dtype.byteSize()))
                        .order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++) {
            switch (dtype) {
                case FLOAT32:
                    b.putFloat((float) random.nextGaussian());
                    break;
                case FLOAT64:
                    b.putDouble(random.nextGaussian());
                    break;
                case INT8:
                case UINT8:
                    b.put((byte) random.nextInt(10));
                    break;
                case BOOL:
                    b.put((byte) (random.nextBoolean() ? 1 : 0));
                    break;
                case INT16:
                    b.putShort((short) random.nextInt(10));
                    break;
                case INT32:
                    b.putInt(random.nextInt(10));
                    break;
                default:
                    b.putLong(random.nextInt(10));
                    break;
            }
        }
        b.flip();
        return Tensor.wrap(b, dtype, shape);
    }

    private static long median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Nanoseconds to three significant digits, in the unit that keeps the number below 1,000:
     * {@code 850 ns}, {@code 12.3 µs}, {@code 4.56 ms}, {@code 1.2 s}, as the Python CLI prints
     * them ({@code jinfer._bench.duration}).
     */
    static String duration(long nanos) {
        // rounded first, so that 999.7 µs shows as 1 ms, not 1000 µs
        BigDecimal v = new BigDecimal(nanos).round(new MathContext(3));
        String[] units = {"ns", "µs", "ms"};
        for (String unit : units) {
            if (v.abs().compareTo(THOUSAND) < 0) {
                return v.stripTrailingZeros().toPlainString() + " " + unit;
            }
            v = v.movePointLeft(3);
        }
        return v.stripTrailingZeros().toPlainString() + " s";
    }
}
