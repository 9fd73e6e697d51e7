package io.jinfer.bench;

import com.sun.management.OperatingSystemMXBean;

import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain JVM calling python artifacts through the Jep host, driven line by line on stdin by {@code
 * bench/jep_host.py}, so that its measurements interleave with those of other processes (the JPype
 * host, FastAPI). One answer line per command on stdout:
 *
 * <pre>
 * load NAME BUNDLE              ok                   loads the bundle's python artifact (trusted)
 * calls NAME N                  SECONDS              N calls of one row, timed here
 * rate NAME BATCH THREADS MS    ROWS_PER_S CPU_S     THREADS callers (kept across commands) for MS:
 *                                                    rows/s, and the JVM's CPU seconds per row
 * </pre>
 *
 * The rows are {@code (i % 7) * 0.1 + j} for row i, feature j: real numbers, the same in every
 * process. The Python to embed is the usual {@code -Djinfer.python}.
 */
public final class JepBench {
    private static final Map<String, Model> MODELS = new HashMap<>();
    private static final OperatingSystemMXBean CPU =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ExecutorService CALLERS =
            Executors.newFixedThreadPool(
                    4, // kept, so each caller's interpreter is attached once
                    r -> {
                        Thread t = new Thread(r, "jep-bench-caller");
                        t.setDaemon(true);
                        return t;
                    });

    private JepBench() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] w = line.trim().split(" ");
            String answer;
            switch (w[0]) {
                case "load":
                    MODELS.put(
                            w[1],
                            Models.load(
                                    Path.of(w[2]),
                                    LoadOptions.builder()
                                            .backend("python")
                                            .trustPython(true)
                                            .build()));
                    answer = "ok";
                    break;
                case "calls":
                    answer = String.valueOf(calls(MODELS.get(w[1]), Integer.parseInt(w[2])));
                    break;
                case "rate":
                    answer =
                            rate(
                                    MODELS.get(w[1]),
                                    Integer.parseInt(w[2]),
                                    Integer.parseInt(w[3]),
                                    Long.parseLong(w[4]));
                    break;
                default:
                    throw new IllegalArgumentException("unknown command: " + line);
            }
            System.out.println(answer);
            System.out.flush();
        }
    }

    private static Tensor rows(Model model, int batch) {
        int features = (int) model.inputs().get(0).shape()[1];
        float[][] x = new float[batch][features];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < features; j++) {
                x[i][j] = (i % 7) * 0.1f + j;
            }
        }
        return Tensor.of(x);
    }

    /** Seconds per call, over {@code n} calls of one row. */
    private static double calls(Model model, int n) {
        Tensor one = rows(model, 1);
        long t0 = System.nanoTime();
        long outputs = 0;
        for (int i = 0; i < n; i++) {
            outputs += model.predict(one).size();
        }
        double seconds = (System.nanoTime() - t0) / 1e9 / n;
        return outputs > 0 ? seconds : Double.NaN;
    }

    /**
     * Rows per second of {@code threads} callers predicting batches for {@code ms}, and the JVM's
     * CPU seconds per row (all its threads).
     */
    private static String rate(Model model, int batch, int threads, long ms) throws Exception {
        Tensor x = rows(model, batch);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong rows = new AtomicLong();
        Future<?>[] callers = new Future<?>[threads];
        long cpu0 = CPU.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            callers[t] =
                    CALLERS.submit(
                            () -> {
                                while (!stop.get()) {
                                    model.predict(x);
                                    rows.addAndGet(batch);
                                }
                            });
        }
        Thread.sleep(ms);
        stop.set(true);
        for (Future<?> f : callers) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (CPU.getProcessCpuTime() - cpu0) / 1e9;
        return (rows.get() / seconds) + " " + (cpu / rows.get());
    }
}
