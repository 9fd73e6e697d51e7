package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.npy.ParitySample;

import org.junit.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Micro-batching on bundles the exporter made in this build: the 100-tree forest from many threads,
 * and the mixed-type table whose unknown category fails a row in ONNX Runtime.
 */
public class BatchingModelIT {
    private static final Duration LONG = Duration.ofMinutes(10);

    private static Path bundle(String dir, String name) {
        return Paths.get(System.getProperty("jinfer.itBundles", "build/it-bundles"))
                .resolve(dir)
                .resolve(name);
    }

    private static Path forest() {
        return bundle("sklearn", "forest-float32.jinfer");
    }

    /** The forest's parity rows, one float[] each. */
    private static float[][] forestRows() {
        try (Bundle b = Bundle.open(forest())) {
            return ParitySample.inputs(b).values().iterator().next().toFloatMatrix();
        }
    }

    /** Row by row through the plain model: what each caller must get back. */
    private static List<Map<String, Tensor>> unbatched(float[][] rows) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        try (Model plain = Models.load(forest())) {
            for (float[] row : rows) {
                out.add(plain.predict(Tensor.of(new float[][] {row})));
            }
        }
        return out;
    }

    private static void assertSameRows(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        assertArrayEquals(want.get("label").toLongArray(), got.get("label").toLongArray());
        assertArrayEquals(
                want.get("probabilities").toFloatArray(),
                got.get("probabilities").toFloatArray(),
                1e-6f);
        assertArrayEquals(want.get("probabilities").shape(), got.get("probabilities").shape());
    }

    /** Runs each task on a thread of its own, all at once, and returns their futures. */
    private static <T> List<Future<T>> concurrently(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
            for (Future<T> f : futures) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    // the test reads the outcome itself
                }
            }
            return futures;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void sixtyFourThreadsEachGetTheirOwnRows() throws Exception {
        float[][] rows = forestRows();
        List<Map<String, Tensor>> want = unbatched(rows);
        try (BatchingModel model =
                BatchingModel.wrap(Models.load(forest()), 64, Duration.ofMillis(5))) {
            List<Callable<Integer>> threads = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int id = t;
                threads.add(
                        () -> {
                            for (int i = 0; i < 40; i++) {
                                int r = (id * 41 + i * 7) % rows.length;
                                assertSameRows(
                                        want.get(r),
                                        model.predict(Tensor.of(new float[][] {rows[r]})));
                            }
                            return 40;
                        });
            }
            for (Future<Integer> f : concurrently(threads)) {
                assertEquals(40, (int) f.get()); // rethrows a thread's failed check
            }
            BatchingModel.Stats stats = model.stats();
            assertEquals(64 * 40, stats.calls());
            assertTrue(stats.toString(), stats.joinedCalls() > 0);
            assertTrue(stats.toString(), stats.backendCalls() < stats.calls());
            assertEquals(0, stats.fallbacks());
        }
    }

    @Test
    public void callersThatFillABatchShareOneBackendCall() throws Exception {
        float[][] rows = forestRows();
        List<Map<String, Tensor>> want = unbatched(rows);
        try (BatchingModel model = BatchingModel.wrap(Models.load(forest()), 8, LONG)) {
            List<Callable<Map<String, Tensor>>> callers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int r = t * 13;
                callers.add(() -> model.predict(Tensor.of(new float[][] {rows[r]})));
            }
            List<Future<Map<String, Tensor>>> got = concurrently(callers);
            for (int t = 0; t < 8; t++) {
                assertSameRows(want.get(t * 13), got.get(t).get());
            }
            assertEquals(new BatchingModel.Stats(8, 1, 8, 0), model.stats());
        }
    }

    @Test
    public void aCallThatDoesNotFitFailsAloneInItsOwnThread() throws Exception {
        float[][] rows = forestRows();
        List<Map<String, Tensor>> want = unbatched(rows);
        try (BatchingModel model = BatchingModel.wrap(Models.load(forest()), 4, LONG)) {
            InputException e =
                    assertThrows(
                            InputException.class,
                            () -> model.predict(Tensor.of(new float[][] {new float[11]})));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertEquals(0, model.stats().calls()); // refused before it was queued
            List<Callable<Map<String, Tensor>>> callers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int r = t;
                callers.add(() -> model.predict(Tensor.of(new float[][] {rows[r]})));
            }
            List<Future<Map<String, Tensor>>> got = concurrently(callers);
            for (int t = 0; t < 4; t++) {
                assertSameRows(want.get(t), got.get(t).get());
            }
        }
    }

    private static Map<String, Tensor> table(String color) {
        Map<String, Tensor> in = new HashMap<>();
        in.put("color", Tensor.of(new String[] {color}));
        in.put("size", Tensor.of(new float[] {0.5f}));
        in.put("weight", Tensor.of(new float[] {10f}));
        return in;
    }

    @Test
    public void aBadRowAmongGoodOnesFailsOnlyItsCaller() throws Exception {
        Path path = bundle("mixed", "mixed-error.jinfer");
        List<String> colors = Arrays.asList("red", "purple", "green", "blue");
        Map<String, long[]> want = new HashMap<>();
        try (Model plain = Models.load(path, LoadOptions.builder().backend("onnx").build())) {
            for (String c : Arrays.asList("red", "green", "blue")) {
                want.put(c, plain.predict(table(c)).get("label").toLongArray());
            }
        }
        try (BatchingModel model =
                BatchingModel.wrap(
                        Models.load(path, LoadOptions.builder().backend("onnx").build()),
                        4,
                        LONG)) {
            List<Callable<Map<String, Tensor>>> callers = new ArrayList<>();
            for (String c : colors) {
                callers.add(() -> model.predict(table(c)));
            }
            List<Future<Map<String, Tensor>>> got = concurrently(callers);
            for (int i = 0; i < colors.size(); i++) {
                String c = colors.get(i);
                if (c.equals("purple")) {
                    java.util.concurrent.ExecutionException e =
                            assertThrows(
                                    java.util.concurrent.ExecutionException.class,
                                    () -> got.get(1).get());
                    assertTrue(
                            String.valueOf(e.getCause()), e.getCause() instanceof InputException);
                    InputException bad = (InputException) e.getCause();
                    assertEquals(ErrorCode.INVALID_VALUE, bad.code());
                    // the row counts within the caller's own call, not the joined batch
                    assertTrue(
                            bad.getMessage(), bad.getMessage().startsWith("row 0, input 'color'"));
                    assertTrue(bad.getMessage(), bad.getMessage().contains("purple"));
                } else {
                    assertArrayEquals(c, want.get(c), got.get(i).get().get("label").toLongArray());
                }
            }
            // one joined call, failed; then each of the four alone
            assertEquals(new BatchingModel.Stats(4, 5, 0, 1), model.stats());
        }
    }
}
