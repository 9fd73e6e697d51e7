package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** {@link BatchingModel} on the tiny ONNX models: shapes that cannot join, closing, maxBatch 1. */
public class BatchingModelTest {
    private static final Duration LONG = Duration.ofMinutes(10);

    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    /** {@code row_sum.onnx}: x float32 [N, M] with M free -> s float32 [N], each row's sum. */
    private Path rowSum() throws Exception {
        byte[] onnx = TestBundles.resourceBytes("models/row_sum.onnx");
        ObjectNode m = TestBundles.base("row_sum", "regression");
        m.putArray("inputs").add(TestBundles.spec("x", "float32", -1, -1));
        m.putArray("outputs").add(TestBundles.spec("s", "float32", -1));
        m.putArray("artifacts").add(TestBundles.artifact("onnx", "model.onnx", onnx));
        return TestBundles.zip(tmp.newFile("row_sum.jinfer").toPath(), TestBundles.files(m, onnx));
    }

    private static float[] row(int width, int seed) {
        float[] r = new float[width];
        for (int i = 0; i < width; i++) {
            r[i] = seed + i * 0.25f;
        }
        return r;
    }

    private static float sum(float[] r) {
        float s = 0;
        for (float v : r) {
            s += v;
        }
        return s;
    }

    @Test
    public void callsOfDifferentWidthsAreNeverJoined() throws Exception {
        try (BatchingModel model =
                BatchingModel.wrap(Models.load(rowSum()), 64, Duration.ofMillis(20))) {
            ExecutorService pool = Executors.newFixedThreadPool(12);
            try {
                List<Future<float[]>> got = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    float[] r = row(2 + t % 3, t);
                    got.add(
                            pool.submit(
                                    () ->
                                            model.predict(Tensor.of(new float[][] {r}))
                                                    .get("s")
                                                    .toFloatArray()));
                }
                for (int t = 0; t < 12; t++) {
                    float[] s = got.get(t).get(1, TimeUnit.MINUTES);
                    assertArrayEquals(new float[] {sum(row(2 + t % 3, t))}, s, 1e-5f);
                }
            } finally {
                pool.shutdownNow();
            }
            // a batch of mixed widths would have failed to join and been re-run call by call
            assertEquals(0, model.stats().fallbacks());
            assertEquals(12, model.stats().calls());
        }
    }

    @Test
    public void maxBatchOneIsThePlainModel() throws Exception {
        Path iris = TestBundles.irisZip(tmp.newFile("iris.jinfer").toPath());
        float[][] rows = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}};
        try (Model plain = Models.load(iris);
                BatchingModel model = BatchingModel.wrap(Models.load(iris), 1, LONG)) {
            for (float[] r : rows) {
                Tensor x = Tensor.of(new float[][] {r});
                assertArrayEquals(
                        plain.predict(x).get("probabilities").toFloatArray(),
                        model.predict(x).get("probabilities").toFloatArray(),
                        0f);
            }
            Tensor wide = Tensor.of(new float[][] {new float[5]});
            InputException want = assertThrows(InputException.class, () -> plain.predict(wide));
            InputException got = assertThrows(InputException.class, () -> model.predict(wide));
            assertEquals(want.getMessage(), got.getMessage());
            assertEquals(new BatchingModel.Stats(2, 2, 0, 0), model.stats());
        }
    }

    @Test
    public void closeRunsTheQueuedCallsThenRefusesNewOnes() throws Exception {
        Path iris = TestBundles.irisZip(tmp.newFile("iris.jinfer").toPath());
        float[][] rows = {
            {5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}, {5.9f, 3.0f, 4.2f, 1.5f}
        };
        List<long[]> want = new ArrayList<>();
        try (Model plain = Models.load(iris)) {
            for (float[] r : rows) {
                want.add(plain.predict(Tensor.of(new float[][] {r})).get("label").toLongArray());
            }
        }
        // maxDelay of ten minutes: the three calls wait until close() lets them through
        BatchingModel model = BatchingModel.wrap(Models.load(iris), 64, LONG);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Map<String, Tensor>>> got = new ArrayList<>();
            for (float[] r : rows) {
                got.add(pool.submit(() -> model.predict(Tensor.of(new float[][] {r}))));
            }
            while (model.stats().calls() < 3 || model.pending() > 0) {
                Thread.sleep(5); // until the dispatcher holds all three
            }
            model.close();
            for (int i = 0; i < rows.length; i++) {
                assertArrayEquals(
                        want.get(i),
                        got.get(i).get(1, TimeUnit.MINUTES).get("label").toLongArray());
            }
            assertEquals(new BatchingModel.Stats(3, 1, 3, 0), model.stats());
            JinferException e =
                    assertThrows(
                            JinferException.class,
                            () -> model.predict(Tensor.of(new float[][] {rows[0]})));
            assertEquals(ErrorCode.MODEL_CLOSED, e.code());
            assertThrows(
                    IllegalStateException.class,
                    () -> model.model().predict(Tensor.of(new float[][] {rows[0]})));
            model.close(); // idempotent
        } finally {
            pool.shutdownNow();
            model.close();
        }
    }

    @Test
    public void callsCaughtByACloseFailWithModelClosed() throws Exception {
        Path iris = TestBundles.irisZip(tmp.newFile("iris.jinfer").toPath());
        BatchingModel model = BatchingModel.wrap(Models.load(iris), 8, Duration.ZERO);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> callers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                callers.add(
                        pool.submit(
                                () -> {
                                    int done = 0;
                                    Tensor x = Tensor.of(new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}});
                                    while (true) {
                                        try {
                                            assertEquals(1, model.predict(x).get("label").size());
                                            done++;
                                        } catch (JinferException e) {
                                            assertEquals(ErrorCode.MODEL_CLOSED, e.code());
                                            return done;
                                        }
                                    }
                                }));
            }
            while (model.stats().calls() < 200) {
                Thread.sleep(5);
            }
            model.close();
            long answered = 0;
            for (Future<Integer> f : callers) {
                answered += f.get(1, TimeUnit.MINUTES); // every caller ends: none is left waiting
            }
            assertTrue(answered >= 200 - 8);
        } finally {
            pool.shutdownNow();
            model.close();
        }
    }

    @Test
    public void wrapRefusesAnEmptyBatchOrANegativeDelay() throws Exception {
        Path iris = TestBundles.irisZip(tmp.newFile("iris.jinfer").toPath());
        try (Model m = Models.load(iris)) {
            assertThrows(IllegalArgumentException.class, () -> BatchingModel.wrap(m, 0, LONG));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> BatchingModel.wrap(m, 8, Duration.ofMillis(-1)));
        }
    }
}
