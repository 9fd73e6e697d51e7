import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.Npz;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many Java threads calling one Python model at once; each thread checks its own answers.
 *
 * <pre>
 * Hammer affine THREADS CALLS                            python:affine, y = 2x + 1, a distinct row per call
 * Hammer bundle BUNDLE INPUTS.npz EXPECTED.npz THREADS CALLS   one row per call, against expected outputs
 * </pre>
 *
 * Prints {@code threads=T calls=N ok=K mismatches=M errors=E} and, if any, the first problem.
 */
public final class Hammer {
    private static final AtomicInteger OK = new AtomicInteger();
    private static final AtomicInteger MISMATCHES = new AtomicInteger();
    private static final AtomicInteger ERRORS = new AtomicInteger();
    private static final AtomicReference<String> FIRST = new AtomicReference<>();

    private Hammer() {}

    interface Call {
        /** What was wrong with the answer of call {@code i} of {@code thread}; null if right. */
        String run(int thread, int i);
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("affine")) {
            int threads = Integer.parseInt(args[1]);
            int calls = Integer.parseInt(args[2]);
            try (Model model = Models.load("python:affine")) {
                hammer(
                        threads,
                        calls,
                        (t, i) -> {
                            double[] row = {t * 1_000_000.0 + i, t, i, -t - 0.5};
                            double[] y =
                                    model.predict(Map.of("x", Tensor.of(new double[][] {row})))
                                            .get("y")
                                            .toDoubleArray();
                            boolean right = y.length == row.length;
                            for (int j = 0; right && j < row.length; j++) {
                                right = y[j] == 2 * row[j] + 1;
                            }
                            return right
                                    ? null
                                    : "sent " + Arrays.toString(row) + " got " + Arrays.toString(y);
                        });
            }
        } else {
            Tensor features = Npz.read(Path.of(args[2])).get("features");
            Map<String, Tensor> expected = Npz.read(Path.of(args[3]));
            long[] labels = expected.get("label").toLongArray();
            float[][] proba = expected.get("probabilities").toFloatMatrix();
            float[][] rows = features.toFloatMatrix();
            int threads = Integer.parseInt(args[4]);
            int calls = Integer.parseInt(args[5]);
            try (Model model =
                    Models.load(
                            Path.of(args[1]), LoadOptions.builder().trustPython(true).build())) {
                hammer(
                        threads,
                        calls,
                        (t, i) -> {
                            int r = (t * 37 + i) % rows.length;
                            Map<String, Tensor> out =
                                    model.predict(Tensor.of(new float[][] {rows[r]}));
                            boolean right = out.get("label").toLongArray()[0] == labels[r];
                            float[] p = out.get("probabilities").toFloatArray();
                            for (int k = 0; right && k < p.length; k++) {
                                right = Math.abs(p[k] - proba[r][k]) <= 1e-6;
                            }
                            return right
                                    ? null
                                    : "row "
                                            + r
                                            + " got label "
                                            + out.get("label").toLongArray()[0]
                                            + " p="
                                            + Arrays.toString(p);
                        });
            }
        }
    }

    private static void hammer(int threads, int calls, Call call) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            Thread w =
                    new Thread(
                            () -> {
                                try {
                                    start.await();
                                } catch (InterruptedException e) {
                                    return;
                                }
                                for (int i = 0; i < calls; i++) {
                                    try {
                                        String wrong = call.run(id, i);
                                        (wrong == null ? OK : MISMATCHES).incrementAndGet();
                                        if (wrong != null) {
                                            FIRST.compareAndSet(
                                                    null,
                                                    "thread " + id + " call " + i + " " + wrong);
                                        }
                                    } catch (RuntimeException e) {
                                        ERRORS.incrementAndGet();
                                        FIRST.compareAndSet(
                                                null, "thread " + id + " call " + i + ": " + e);
                                    }
                                }
                            },
                            "hammer-" + t);
            workers.add(w);
            w.start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(
                "threads="
                        + threads
                        + " calls="
                        + (threads * calls)
                        + " ok="
                        + OK.get()
                        + " mismatches="
                        + MISMATCHES.get()
                        + " errors="
                        + ERRORS.get()
                        + " seconds="
                        + String.format("%.2f", seconds));
        if (FIRST.get() != null) {
            System.out.println("first problem: " + FIRST.get());
        }
    }
}
