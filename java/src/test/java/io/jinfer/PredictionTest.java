package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.npy.ParitySample;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@link Model#run}: outputs in buffers the model reuses, readable until the Prediction closes. */
public class PredictionTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();
    @Rule public AddMulModel addMul = new AddMulModel();

    /** {@code add_mul}'s inputs for {@code rows} rows, every value derived from {@code seed}. */
    private static Map<String, Tensor> addMulInputs(int rows, int seed) {
        float[] x = new float[rows * 3];
        double[] z = new double[rows * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = seed * 1000f + i;
        }
        for (int i = 0; i < z.length; i++) {
            z[i] = seed * 0.5 + i;
        }
        return Map.of("x", Tensor.of(x, rows, 3), "z", Tensor.of(z, rows, 2));
    }

    private static void assertSameOutputs(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            assertEquals(name, want.get(name).dtype(), got.get(name).dtype());
            assertArrayEquals(name, want.get(name).shape(), got.get(name).shape());
            assertArrayEquals(
                    name, want.get(name).toDoubleArray(), got.get(name).toDoubleArray(), 0.0);
        }
    }

    @Test
    public void runAnswersWhatPredictAnswersOnTheParitySample() throws Exception {
        try (Model iris =
                        Models.load(TestBundles.irisZip(tmp.getRoot().toPath().resolve("i.zip")));
                Bundle bundle = Bundle.open(tmp.getRoot().toPath().resolve("i.zip"))) {
            Map<String, Tensor> inputs = ParitySample.inputs(bundle);
            Map<String, Tensor> want = iris.predict(inputs);
            for (int i = 0; i < 3; i++) { // the first from fresh buffers, then reused ones
                try (Prediction p = iris.run(inputs)) {
                    assertSameOutputs(want, p.outputs());
                    assertEquals(List.copyOf(want.keySet()), List.copyOf(p.outputs().keySet()));
                }
            }
        }
    }

    @Test
    public void aClosedPredictionRefusesEveryRead() {
        Prediction p = addMul.get().run(addMulInputs(4, 1));
        Tensor y = p.get("y");
        Tensor reshaped = y.reshape(12);
        assertFalse(p.isClosed());
        p.close();
        p.close(); // idempotent
        assertTrue(p.isClosed());
        assertThrows(IllegalStateException.class, y::toFloatArray);
        assertThrows(IllegalStateException.class, y::toDoubleArray);
        assertThrows(IllegalStateException.class, y::buffer);
        assertThrows(IllegalStateException.class, y::toStringArray);
        assertThrows(IllegalStateException.class, () -> y.getDouble(0));
        assertThrows(IllegalStateException.class, () -> y.castTo(DType.FLOAT64));
        assertThrows(IllegalStateException.class, reshaped::toFloatArray);
        assertThrows(IllegalStateException.class, () -> p.get("w").toLongArray());
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                addMul.get()
                                        .predict(
                                                Map.of(
                                                        "x",
                                                        y,
                                                        "z",
                                                        Tensor.of(new double[8], 4, 2))));
        assertTrue(e.getMessage(), e.getMessage().contains("closed Prediction"));
        // what was copied out stays
        assertEquals(12, y.size());
    }

    @Test
    public void theNextCallWritesIntoTheBuffersAClosedPredictionGaveBack() {
        Model m = addMul.get();
        ByteBuffer firstView;
        try (Prediction first = m.run(addMulInputs(5, 1))) {
            firstView = first.get("y").buffer();
        }
        assertTrue(m.pool().idleBytes() > 0);
        Map<String, Tensor> second = addMulInputs(5, 2);
        try (Prediction p = m.run(second)) {
            assertEquals(0, m.pool().idleBytes());
            float[] seen = new float[15];
            firstView.asFloatBuffer().get(seen);
            // the view of the first call's buffer now shows the second call's answers
            assertArrayEquals(p.get("y").toFloatArray(), seen, 0f);
            assertArrayEquals(m.predict(second).get("y").toFloatArray(), seen, 0f);
        }
    }

    @Test
    public void predictOutputsAreNeverReused() {
        Model m = addMul.get();
        Map<String, Tensor> first = m.predict(addMulInputs(5, 1));
        float[] want = first.get("y").toFloatArray();
        for (int i = 2; i < 5; i++) {
            m.predict(addMulInputs(5, i));
            m.run(addMulInputs(5, i)).close();
        }
        assertArrayEquals(want, first.get("y").toFloatArray(), 0f);
    }

    @Test
    public void concurrentCallersNeverShareABuffer() throws Exception {
        Model m = addMul.get();
        int threads = 8;
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            tasks.add(
                    () -> {
                        Map<String, Tensor> inputs = addMulInputs(64, seed);
                        float[] want = m.predict(inputs).get("y").toFloatArray();
                        double[] wantW = m.predict(inputs).get("w").toDoubleArray();
                        for (int i = 0; i < 300; i++) {
                            try (Prediction p = m.run(inputs)) {
                                Thread.yield(); // let the others write, if they shared
                                assertArrayEquals(want, p.get("y").toFloatArray(), 0f);
                                assertArrayEquals(wantW, p.get("w").toDoubleArray(), 0.0);
                            }
                        }
                        return seed;
                    });
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                f.get(); // rethrows a thread's assertion
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void thePoolKeepsAtMostItsBoundIdle() {
        Model m = addMul.get();
        int rows = 500_000; // 14 MB of outputs a call
        List<Prediction> open = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            open.add(m.run(addMulInputs(rows, i)));
        }
        open.forEach(Prediction::close);
        long idle = m.pool().idleBytes();
        assertTrue(idle > 0);
        assertTrue(idle + " idle bytes", idle <= OutputPool.MAX_IDLE_BYTES);
    }

    @Test
    public void aFailedRunGivesItsBuffersBackAndTheModelKeepsServing() {
        Model m = addMul.get();
        assertThrows(
                InputException.class,
                () ->
                        m.run(
                                Map.of(
                                        "x",
                                        Tensor.of(new float[] {Float.NaN, 0, 0}, 1, 3),
                                        "z",
                                        Tensor.of(new double[2], 1, 2))));
        try (Prediction p = m.run(addMulInputs(3, 1))) {
            assertSameOutputs(m.predict(addMulInputs(3, 1)), p.outputs());
        }
    }

    @Test
    public void anEmptyBatchGivesEmptyOutputs() {
        try (Prediction p = addMul.get().run(addMulInputs(0, 0))) {
            assertEquals(0, p.get("y").size());
            assertArrayEquals(new long[] {0, 3}, p.get("y").shape());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> addMul.get().run(addMulInputs(1, 0)).get("nope"));
    }

    @Test
    public void aClosedModelRefusesRun() {
        Model m = addMul.get();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.run(addMulInputs(1, 0)));
    }
}
