package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.jinfer.npy.Npz;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A model's life with real ONNX Runtime sessions: closed when dropped, {@code close()} waits for
 * calls in flight, closing while threads predict fails later calls cleanly, and many threads on two
 * models get their own answers. A session is wrapped only to record when it runs and closes.
 */
public class ModelLifecycleTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    /** A real session that records its runs and its close, and can hold a run until released. */
    private static final class Recorded implements BackendSession {
        final BackendSession inner;
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);
        volatile CountDownLatch release;

        Recorded(BackendSession inner) {
            this.inner = inner;
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch) {
            entered.countDown();
            CountDownLatch hold = release;
            if (hold != null) {
                try {
                    assertTrue(hold.await(60, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            Map<String, Tensor> out = inner.run(inputs, batch);
            events.add("run");
            return out;
        }

        @Override
        public void close() {
            events.add("close");
            inner.close();
        }
    }

    private Recorded session(Bundle bundle) {
        Manifest.Artifact a = bundle.manifest().artifacts().get(0);
        ArtifactContext ctx =
                new ArtifactContext(
                        bundle.manifest(), a, () -> bundle.readArtifact(a), LoadOptions.defaults());
        return new Recorded(Models.backends().get("onnx").open(ctx));
    }

    private Bundle iris() throws Exception {
        return Bundle.open(TestBundles.irisZip(tmp.getRoot().toPath().resolve("iris.jinfer")));
    }

    private static Model model(Bundle b, BackendSession s) {
        return new Model(b.manifest(), b.manifest().artifacts().get(0), s, LoadOptions.defaults());
    }

    private static Map<String, Tensor> row(float... v) {
        return Map.of("features", Tensor.of(new float[][] {v}));
    }

    @Test
    public void aModelDroppedWithoutCloseClosesItsSession() throws Exception {
        Recorded s;
        try (Bundle b = iris()) {
            s = session(b);
            Model m = model(b, s);
            m.predict(row(5.1f, 3.5f, 1.4f, 0.2f));
            m = null; // dropped without close()
        }
        for (int i = 0; i < 200 && !s.events.contains("close"); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(List.of("run", "close"), s.events);
    }

    @Test
    public void closeWaitsForTheCallsInFlight() throws Exception {
        try (Bundle b = iris()) {
            Recorded s = session(b);
            s.release = new CountDownLatch(1);
            Model m = model(b, s);
            AtomicReference<Map<String, Tensor>> answer = new AtomicReference<>();
            Thread call = new Thread(() -> answer.set(m.predict(row(5.1f, 3.5f, 1.4f, 0.2f))));
            call.start();
            assertTrue(s.entered.await(60, TimeUnit.SECONDS));
            assertEquals(1, m.callsInFlight());
            Thread closer = new Thread(m::close);
            closer.start();
            while (closer.getState() != Thread.State.TIMED_WAITING
                    && closer.getState() != Thread.State.WAITING
                    && closer.getState() != Thread.State.TERMINATED) {
                Thread.sleep(1); // until close() waits for the call, or (wrongly) did not wait
            }
            Thread.sleep(20); // a closer that did not wait would have closed the session by now
            assertEquals(List.of(), s.events);
            s.release.countDown();
            call.join(60_000);
            closer.join(60_000);
            assertEquals(0, m.callsInFlight());
            assertEquals(List.of("run", "close"), s.events);
            assertEquals(0L, answer.get().get("label").toLongArray()[0]);
        }
    }

    @Test
    public void closingWhileThreadsPredictFailsOnlyTheLaterCalls() throws Exception {
        Map<String, Tensor> in = Npz.read(TestBundles.resource("models/iris_inputs.npz"));
        long[] labels =
                Npz.read(TestBundles.resource("models/iris_expected.npz"))
                        .get("label")
                        .toLongArray();
        float[][] rows = in.get("features").toFloatMatrix();
        Model m = Models.load(TestBundles.irisZip(tmp.getRoot().toPath().resolve("i.jinfer")));
        AtomicInteger answered = new AtomicInteger();
        AtomicReference<String> wrong = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int id = t;
            Thread w =
                    new Thread(
                            () -> {
                                boolean refused = false;
                                for (int i = 0; i < 100_000 && !refused; i++) {
                                    int r = (id * 7 + i) % rows.length;
                                    try {
                                        long got =
                                                m.predict(row(rows[r]))
                                                        .get("label")
                                                        .toLongArray()[0];
                                        if (got != labels[r]) {
                                            wrong.compareAndSet(null, "row " + r + " got " + got);
                                        }
                                        answered.incrementAndGet();
                                    } catch (IllegalStateException e) {
                                        refused = true; // closed: every later call is refused too
                                    } catch (RuntimeException e) {
                                        wrong.compareAndSet(null, e.toString());
                                    }
                                }
                                try {
                                    m.predict(row(rows[0]));
                                    wrong.compareAndSet(null, "a call after close() answered");
                                } catch (IllegalStateException expected) {
                                    // as documented
                                }
                            });
            threads.add(w);
            w.start();
        }
        while (answered.get() < 200) {
            Thread.sleep(1);
        }
        m.close();
        for (Thread w : threads) {
            w.join(60_000);
            assertFalse(w.isAlive());
        }
        assertNull(wrong.get());
    }

    @Test
    public void sixteenThreadsOnTwoModelsEachGetTheirOwnAnswers() throws Exception {
        Map<String, Tensor> in = Npz.read(TestBundles.resource("models/iris_inputs.npz"));
        Map<String, Tensor> want = Npz.read(TestBundles.resource("models/iris_expected.npz"));
        float[][] rows = in.get("features").toFloatMatrix();
        long[] labels = want.get("label").toLongArray();
        float[][] proba = want.get("probabilities").toFloatMatrix();
        Path dir = tmp.getRoot().toPath();
        AtomicInteger checked = new AtomicInteger();
        AtomicReference<String> wrong = new AtomicReference<>();
        try (Model iris = Models.load(TestBundles.irisZip(dir.resolve("iris.jinfer")));
                Model addMul = Models.load(TestBundles.addMulZip(dir.resolve("am.jinfer")))) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                final int id = t;
                Thread w =
                        new Thread(
                                () -> {
                                    for (int i = 0; i < 200; i++) {
                                        String problem =
                                                id % 2 == 0
                                                        ? irisCall(iris, rows, labels, proba, id, i)
                                                        : addMulCall(addMul, id, i);
                                        if (problem != null) {
                                            wrong.compareAndSet(null, problem);
                                        }
                                        checked.incrementAndGet();
                                    }
                                });
                threads.add(w);
                w.start();
            }
            for (Thread w : threads) {
                w.join();
            }
        }
        assertNull(wrong.get());
        assertEquals(16 * 200, checked.get());
    }

    private static String irisCall(
            Model m, float[][] rows, long[] labels, float[][] proba, int id, int i) {
        int r = (id * 13 + i) % rows.length;
        Map<String, Tensor> out = m.predict(row(rows[r]));
        float[] p = out.get("probabilities").toFloatArray();
        for (int k = 0; k < p.length; k++) {
            if (Math.abs(p[k] - proba[r][k]) > 1e-5f) {
                return "iris row " + r + " p[" + k + "] = " + p[k];
            }
        }
        return out.get("label").toLongArray()[0] == labels[r] ? null : "iris row " + r;
    }

    /** add_mul: y = x + [1, 2, 3], w = 2z, on values distinct per thread and call. */
    private static String addMulCall(Model m, int id, int i) {
        float base = id * 1000 + i;
        Map<String, Tensor> out =
                m.predict(
                        Map.of(
                                "x", Tensor.of(new float[][] {{base, base + 1, base + 2}}),
                                "z", Tensor.of(new double[][] {{base, -base}})));
        float[] y = out.get("y").toFloatArray();
        double[] w = out.get("w").toDoubleArray();
        boolean right =
                y[0] == base + 1 && y[1] == base + 3 && y[2] == base + 5 && w[0] == 2 * base;
        return right && w[1] == -2 * base ? null : "add_mul thread " + id + " call " + i;
    }

    @Test
    public void aNonFiniteInputIsRefusedNamingTheInputAndRowUnlessAllowed() throws Exception {
        Path p = TestBundles.irisZip(tmp.getRoot().toPath().resolve("nan.jinfer"));
        float[][] all =
                Npz.read(TestBundles.resource("models/iris_inputs.npz"))
                        .get("features")
                        .toFloatMatrix();
        long[] labels =
                Npz.read(TestBundles.resource("models/iris_expected.npz"))
                        .get("label")
                        .toLongArray();
        float[][] rows = {all[0].clone(), all[1].clone()};
        try (Model m = Models.load(p)) {
            for (float bad :
                    new float[] {Float.NaN, Float.POSITIVE_INFINITY, -Float.MAX_VALUE * 2}) {
                rows[1][2] = bad;
                InputException e =
                        org.junit.Assert.assertThrows(
                                InputException.class,
                                () -> m.predict(Map.of("features", Tensor.of(rows))));
                assertEquals(ErrorCode.INVALID_VALUE, e.code());
                String msg = e.getMessage();
                assertTrue(msg, msg.contains("'features'") && msg.contains("row 1"));
                assertTrue(msg, msg.contains("column 2 ('petal_length')"));
                assertTrue(msg, msg.contains(Float.isNaN(bad) ? "NaN" : bad > 0 ? "+Inf" : "-Inf"));
                assertTrue(msg, msg.contains("allowNonFinite(true)"));
            }
            rows[1][2] = all[1][2]; // and the model keeps working
            assertArrayEquals(
                    new long[] {labels[0], labels[1]},
                    m.predict(Map.of("features", Tensor.of(rows))).get("label").toLongArray());
        }
        rows[1][2] = Float.NaN;
        try (Model m = Models.load(p, LoadOptions.builder().allowNonFinite(true).build())) {
            assertEquals(2, m.predict(Map.of("features", Tensor.of(rows))).get("label").size());
        }
    }

    @Test
    public void float64InputsAreCheckedToo() throws Exception {
        Path p = TestBundles.addMulZip(tmp.getRoot().toPath().resolve("am.jinfer"));
        try (Model m = Models.load(p)) {
            InputException e =
                    org.junit.Assert.assertThrows(
                            InputException.class,
                            () ->
                                    m.predict(
                                            Map.of(
                                                    "x",
                                                    Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}}),
                                                    "z",
                                                    Tensor.of(
                                                            new double[][] {
                                                                {1, 2},
                                                                {3, Double.NEGATIVE_INFINITY}
                                                            }))));
            assertEquals(ErrorCode.INVALID_VALUE, e.code());
            assertTrue(e.getMessage(), e.getMessage().contains("input 'z', row 1, column 1: -Inf"));
        }
    }
}
