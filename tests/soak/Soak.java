import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.Npz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Java side of {@code make soak} (tests/soak/run.py): threads predicting on several models at
 * once for a while, every answer checked against a table the real model computed, and the process's
 * resident memory sampled every second.
 *
 * <pre>
 * Soak SECONDS THREADS OUT.json BUNDLE BACKEND TABLE.npz [BUNDLE BACKEND TABLE.npz ...]
 * </pre>
 *
 * A table holds {@code features} (float32 [n, d]), {@code label} (int64 [n]) and {@code
 * probabilities} (float64 [n, k]). Each call takes a random model, batch size and offset; a label
 * must equal the table's, a probability be within 1e-5 of it. The run warms up first, with the same
 * calls, until resident memory grew by at most 1% over 15 s (30 s at least, 180 s at most), then
 * goes on for SECONDS. OUT.json gets the counts (warm-up included), the first problem if any, the
 * warm-up's length and the memory samples {@code [seconds since the start, resident kB, committed
 * heap kB, direct buffers kB]}.
 */
public final class Soak {
    private static final int[] BATCHES = {1, 1, 2, 8, 32, 128, 512};
    private static final double ATOL = 1e-5;
    private static final int WARM_MIN_S = 30;
    private static final int WARM_MAX_S = 180;
    private static final int WARM_SPAN_S = 15;
    private static final double WARM_FLAT = 0.01;

    private record Table(float[][] rows, long[] labels, double[][] proba) {}

    private record Subject(String name, Model model, Table table) {}

    private Soak() {}

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[0]);
        int threads = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        List<Subject> subjects = new ArrayList<>();
        for (int i = 3; i + 2 < args.length; i += 3) {
            LoadOptions opts = LoadOptions.builder().backend(args[i + 1]).trustPython(true).build();
            Model m = Models.load(Path.of(args[i]), opts);
            subjects.add(
                    new Subject(
                            Path.of(args[i]).getFileName() + ":" + m.backend(),
                            m,
                            table(Path.of(args[i + 2]))));
        }
        AtomicLong calls = new AtomicLong();
        AtomicLong rows = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicReference<String> first = new AtomicReference<>();
        long start = System.nanoTime();
        // set again once warm; this is the latest it can be
        AtomicLong deadline = new AtomicLong(start + (long) ((WARM_MAX_S + seconds) * 1e9));
        AtomicLong warmMillis = new AtomicLong(-1);
        List<long[]> rss = new ArrayList<>();
        Thread sampler =
                new Thread(
                        () -> {
                            while (System.nanoTime() < deadline.get()) {
                                long ms = (System.nanoTime() - start) / 1_000_000;
                                synchronized (rss) {
                                    rss.add(new long[] {ms, rssKb(), heapKb(), directKb()});
                                    if (warmMillis.get() < 0 && warm(rss, ms)) {
                                        warmMillis.set(ms);
                                        deadline.set(System.nanoTime() + (long) (seconds * 1e9));
                                    }
                                }
                                try {
                                    Thread.sleep(1000);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "soak-rss");
        sampler.setDaemon(true);
        sampler.start();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final long seed = 1000 + t;
            Thread w =
                    new Thread(
                            () -> {
                                SplittableRandom rng = new SplittableRandom(seed);
                                while (System.nanoTime() < deadline.get()) {
                                    Subject s = subjects.get(rng.nextInt(subjects.size()));
                                    int n = s.table().rows().length;
                                    int batch = Math.min(n, BATCHES[rng.nextInt(BATCHES.length)]);
                                    int from = rng.nextInt(n - batch + 1);
                                    try {
                                        String wrong = call(s, from, batch);
                                        if (wrong != null) {
                                            mismatches.incrementAndGet();
                                            first.compareAndSet(null, s.name() + ": " + wrong);
                                        }
                                    } catch (RuntimeException e) {
                                        errors.incrementAndGet();
                                        first.compareAndSet(null, s.name() + ": " + e);
                                    }
                                    calls.incrementAndGet();
                                    rows.addAndGet(batch);
                                }
                            },
                            "soak-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        sampler.join(2000);
        for (Subject s : subjects) {
            s.model().close();
        }
        StringBuilder json = new StringBuilder("{");
        json.append("\"threads\": ").append(threads);
        json.append(", \"models\": [");
        for (int i = 0; i < subjects.size(); i++) {
            json.append(i > 0 ? ", " : "").append('"').append(subjects.get(i).name()).append('"');
        }
        json.append("], \"calls\": ").append(calls.get());
        json.append(", \"rows\": ").append(rows.get());
        json.append(", \"errors\": ").append(errors.get());
        json.append(", \"mismatches\": ").append(mismatches.get());
        json.append(", \"first_problem\": ").append(quoted(first.get()));
        json.append(", \"warm_s\": ").append(warmMillis.get() / 1000.0);
        json.append(", \"rss_kb\": [");
        synchronized (rss) {
            for (int i = 0; i < rss.size(); i++) {
                long[] r = rss.get(i);
                json.append(i > 0 ? ", " : "")
                        .append('[')
                        .append(r[0] / 1000.0)
                        .append(", ")
                        .append(r[1])
                        .append(", ")
                        .append(r[2])
                        .append(", ")
                        .append(r[3])
                        .append(']');
            }
        }
        json.append("]}\n");
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.out.println(
                "soak (java): calls="
                        + calls.get()
                        + " errors="
                        + errors.get()
                        + " mismatches="
                        + mismatches.get());
    }

    /**
     * Whether the warm-up is over at {@code ms}: the peak of resident memory over the last 15 s is
     * at most 1% above the peak of the 15 s before, after 30 s at least; or 180 s went by. (Peaks,
     * since collections make resident memory a sawtooth.)
     */
    private static boolean warm(List<long[]> rss, long ms) {
        if (ms >= WARM_MAX_S * 1000L) {
            return true;
        }
        if (ms < WARM_MIN_S * 1000L) {
            return false;
        }
        long recent = 0;
        long before = 0;
        for (long[] sample : rss) {
            if (sample[0] >= ms - WARM_SPAN_S * 1000L) {
                recent = Math.max(recent, sample[1]);
            } else if (sample[0] >= ms - 2 * WARM_SPAN_S * 1000L) {
                before = Math.max(before, sample[1]);
            }
        }
        return recent <= before * (1 + WARM_FLAT);
    }

    /** One call of {@code batch} rows from {@code from}; what was wrong, or null. */
    private static String call(Subject s, int from, int batch) {
        Table t = s.table();
        float[][] rows = new float[batch][];
        System.arraycopy(t.rows(), from, rows, 0, batch);
        Map<String, Tensor> out = s.model().predict(Tensor.of(rows));
        long[] labels = out.get("label").toLongArray();
        double[] p = out.get("probabilities").castTo(io.jinfer.DType.FLOAT64).toDoubleArray();
        int k = t.proba()[0].length;
        for (int r = 0; r < batch; r++) {
            if (labels[r] != t.labels()[from + r]) {
                return "row "
                        + (from + r)
                        + ": label "
                        + labels[r]
                        + ", the model says "
                        + t.labels()[from + r];
            }
            for (int j = 0; j < k; j++) {
                if (Math.abs(p[r * k + j] - t.proba()[from + r][j]) > ATOL) {
                    return "row "
                            + (from + r)
                            + ": probability "
                            + p[r * k + j]
                            + " for "
                            + t.proba()[from + r][j];
                }
            }
        }
        return null;
    }

    private static Table table(Path npz) throws IOException {
        Map<String, Tensor> t = Npz.read(npz);
        return new Table(
                t.get("features").toFloatMatrix(),
                t.get("label").toLongArray(),
                t.get("probabilities").toDoubleMatrix());
    }

    /** This process's resident memory, from /proc/self/status. */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** The heap the JVM has committed, in kB. */
    static long heapKb() {
        return java.lang.management.ManagementFactory.getMemoryMXBean()
                        .getHeapMemoryUsage()
                        .getCommitted()
                >> 10;
    }

    /** The direct buffers alive, in kB (freed only when the collector finds them unreachable). */
    static long directKb() {
        for (java.lang.management.BufferPoolMXBean pool :
                java.lang.management.ManagementFactory.getPlatformMXBeans(
                        java.lang.management.BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed() >> 10;
            }
        }
        return -1;
    }

    private static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + '"';
    }
}
