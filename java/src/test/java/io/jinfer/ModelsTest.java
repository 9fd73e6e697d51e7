package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jinfer.npy.Npz;
import io.jinfer.spi.Backend;

import org.junit.Rule;
import org.junit.Test;
import org.junit.function.ThrowingRunnable;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Loading and running real ONNX models through {@link Models} and {@link Model}: input checks, safe
 * casts, empty batches, closing, and a scikit-learn classifier against scikit-learn's own outputs.
 * No mocks: ONNX Runtime runs every predict.
 */
public class ModelsTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    /** x float32 [-1, 3], z float64 [-1, 2] -> y = x + [1, 2, 3], w = 2z. */
    @Rule public AddMulModel addMul = new AddMulModel();

    private static Map<String, Tensor> inputs(Tensor x, Tensor z) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (x != null) {
            m.put("x", x);
        }
        if (z != null) {
            m.put("z", z);
        }
        return m;
    }

    private static Tensor x(int rows) {
        float[][] v = new float[rows][3];
        for (int r = 0; r < rows; r++) {
            v[r] = new float[] {r, 10 * r, 100 * r};
        }
        return Tensor.of(v);
    }

    private static Tensor z(int rows) {
        double[][] v = new double[rows][2];
        for (int r = 0; r < rows; r++) {
            v[r] = new double[] {r + 0.5, -r};
        }
        return Tensor.of(v);
    }

    /** The model still predicts right: the check after every refusal. */
    private void assertWorks() {
        Map<String, Tensor> out = addMul.get().predict(inputs(x(2), z(2)));
        assertArrayEquals(new float[][] {{1, 2, 3}, {2, 12, 103}}, out.get("y").toFloatMatrix());
        assertArrayEquals(new double[] {1, 0, 3, -2}, out.get("w").toDoubleArray(), 0.0);
    }

    private InputException refused(ErrorCode code, ThrowingRunnable call) {
        InputException e = assertThrows(InputException.class, call);
        assertEquals(e.getMessage(), code, e.code());
        assertWorks();
        return e;
    }

    @Test
    public void predictsWithTheCanonicalOutputsInSpecOrder() {
        Map<String, Tensor> out = addMul.get().predict(inputs(x(3), z(3)));
        assertEquals(List.of("y", "w"), new ArrayList<>(out.keySet()));
        assertEquals(DType.FLOAT32, out.get("y").dtype());
        assertArrayEquals(new long[] {3, 3}, out.get("y").shape());
        assertArrayEquals(new float[] {3, 22, 203}, out.get("y").toFloatMatrix()[2], 0f);
        assertEquals(DType.FLOAT64, out.get("w").dtype());
        assertArrayEquals(new double[] {5, -4}, out.get("w").toDoubleMatrix()[2], 0.0);
        assertEquals("onnx", addMul.get().backend());
        assertEquals("add_mul", addMul.get().manifest().name());
        assertEquals(
                List.of("x", "z"),
                List.of(addMul.get().inputs().get(0).name(), addMul.get().inputs().get(1).name()));
    }

    @Test
    public void aMissingInputIsNamedWithItsSpec() {
        InputException e =
                refused(ErrorCode.MISSING_INPUT, () -> addMul.get().predict(inputs(x(1), null)));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'z'")
                        && e.getMessage().contains("float64")
                        && e.getMessage().contains("[-1, 2]"));
    }

    @Test
    public void anUnknownInputIsRefused() {
        Map<String, Tensor> in = inputs(x(1), z(1));
        in.put("features", x(1));
        InputException e = refused(ErrorCode.UNKNOWN_INPUT, () -> addMul.get().predict(in));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'features'") && e.getMessage().contains("x: float32"));
    }

    @Test
    public void anUnsafeDtypeIsRefusedAndASafeOneIsCast() {
        Tensor x64 = Tensor.of(new double[][] {{1, 2, 3}});
        InputException e =
                refused(ErrorCode.DTYPE_MISMATCH, () -> addMul.get().predict(inputs(x64, z(1))));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'x'")
                        && e.getMessage().contains("float32")
                        && e.getMessage().contains("float64"));
        refused(
                ErrorCode.DTYPE_MISMATCH,
                () ->
                        addMul.get()
                                .predict(
                                        inputs(
                                                Tensor.ofStrings(
                                                        new String[] {"a", "b", "c"}, 1, 3),
                                                z(1))));

        Tensor z32 = Tensor.of(new int[] {3, -4}, 1, 2); // int32 -> float64 is safe
        Map<String, Tensor> out = addMul.get().predict(inputs(x(1), z32));
        assertArrayEquals(new double[] {6, -8}, out.get("w").toDoubleArray(), 0.0);
        Tensor x16 =
                Tensor.of(new long[] {1, 2, 3}, 1, 3)
                        .castTo(DType.INT16); // int16 -> float32 is safe
        assertArrayEquals(
                new float[] {2, 4, 6},
                addMul.get().predict(inputs(x16, z(1))).get("y").toFloatArray(),
                0f);
    }

    @Test
    public void aWrongRankIsRefused() {
        InputException e =
                refused(
                        ErrorCode.RANK_MISMATCH,
                        () -> addMul.get().predict(inputs(Tensor.of(new float[] {1, 2, 3}), z(1))));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("rank 2") && e.getMessage().contains("rank 1"));
    }

    @Test
    public void aWrongFixedDimensionIsRefused() {
        Tensor x4 = Tensor.of(new float[][] {{1, 2, 3, 4}});
        InputException e =
                refused(ErrorCode.SHAPE_MISMATCH, () -> addMul.get().predict(inputs(x4, z(1))));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'x'")
                        && e.getMessage().contains("dimension 1")
                        && e.getMessage().contains("expected 3")
                        && e.getMessage().contains("got 4"));
    }

    @Test
    public void batchSizesMustAgree() {
        InputException e =
                refused(ErrorCode.SHAPE_MISMATCH, () -> addMul.get().predict(inputs(x(2), z(3))));
        assertTrue(e.getMessage(), e.getMessage().contains("batch"));
    }

    @Test
    public void nullInputsAreRefused() {
        refused(ErrorCode.MISSING_INPUT, () -> addMul.get().predict((Map<String, Tensor>) null));
    }

    @Test
    public void anEmptyBatchGivesEmptyOutputsOfTheRightShapes() {
        Map<String, Tensor> out =
                addMul.get()
                        .predict(
                                inputs(
                                        Tensor.zeros(DType.FLOAT32, 0, 3),
                                        Tensor.zeros(DType.FLOAT64, 0, 2)));
        assertArrayEquals(new long[] {0, 3}, out.get("y").shape());
        assertEquals(DType.FLOAT32, out.get("y").dtype());
        assertArrayEquals(new long[] {0, 2}, out.get("w").shape());
        assertEquals(DType.FLOAT64, out.get("w").dtype());
        assertWorks();
        refused(
                ErrorCode.SHAPE_MISMATCH,
                () ->
                        addMul.get()
                                .predict(
                                        inputs(
                                                Tensor.zeros(DType.FLOAT32, 0, 4),
                                                Tensor.zeros(DType.FLOAT64, 0, 2))));
    }

    @Test
    public void predictOfOneTensorNeedsASingleInputModel() {
        InputException e = assertThrows(InputException.class, () -> addMul.get().predict(x(1)));
        assertTrue(e.getMessage(), e.getMessage().contains("2 inputs"));
        assertWorks();
    }

    @Test
    public void inputsAreNotKeptAfterPredict() {
        ByteBuffer buf = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(new float[] {1, 1, 1});
        Tensor in = Tensor.wrap(buf, DType.FLOAT32, 1, 3);
        Map<String, Tensor> out = addMul.get().predict(inputs(in, z(1)));
        buf.putFloat(0, 1000f); // the caller reuses its buffer
        assertArrayEquals(new float[] {2, 3, 4}, out.get("y").toFloatArray(), 0f);
    }

    @Test
    public void aClosedModelRefusesWorkAndCloseIsIdempotent() {
        addMul.get().close();
        addMul.get().close();
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> addMul.get().predict(inputs(x(1), z(1))));
        assertTrue(e.getMessage(), e.getMessage().contains("closed"));
    }

    @Test
    public void predictIsThreadSafe() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int rows = 1 + t;
                results.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 50; i++) {
                                        Map<String, Tensor> out =
                                                addMul.get().predict(inputs(x(rows), z(rows)));
                                        float[][] y = out.get("y").toFloatMatrix();
                                        if (y.length != rows
                                                || y[rows - 1][2] != 100 * (rows - 1) + 3) {
                                            return false;
                                        }
                                    }
                                    return true;
                                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void serviceLoaderFindsTheOnnxBackend() {
        Map<String, Backend> backends = Models.backends();
        Backend onnx = backends.get("onnx");
        assertNotNull("backends: " + backends.keySet(), onnx);
        assertTrue(onnx.isAvailable());
        assertEquals(null, onnx.unavailableReason());
        boolean found = false;
        for (Backend b : ServiceLoader.load(Backend.class)) {
            found |= b.name().equals("onnx");
        }
        assertTrue(found);
    }

    @Test
    public void backendStatusSaysWhatThisJvmCanRun() {
        BackendStatus onnx = Models.backendStatus("onnx");
        assertTrue(onnx.installed());
        assertTrue(onnx.available());
        assertEquals(null, onnx.unavailableReason());

        // the python backend's status: io.jinfer.python.PythonLocationTest

        BackendStatus none = Models.backendStatus("tensorflow");
        assertEquals("tensorflow", none.name());
        assertFalse(none.installed());
        assertFalse(none.available());
    }

    @Test
    public void aBackendTheBundleDoesNotHaveIsNoUsableBackend() throws IOException {
        Path p = TestBundles.addMulZip(tmp.getRoot().toPath().resolve("b.jinfer"));
        BackendException e =
                assertThrows(
                        BackendException.class,
                        () -> Models.load(p, LoadOptions.builder().backend("pmml").build()));
        assertEquals(ErrorCode.NO_USABLE_BACKEND, e.code());
        assertTrue(
                e.getMessage(), e.getMessage().contains("pmml") && e.getMessage().contains("onnx"));
        try (Model m =
                Models.load(p, LoadOptions.builder().backend("ONNX").intraOpThreads(1).build())) {
            assertEquals("onnx", m.backend());
        }
    }

    @Test
    public void artifactsOfUnknownBackendsAreSkippedWithTheirReason() throws IOException {
        byte[] onnx = TestBundles.resourceBytes("models/add_mul.onnx");
        ObjectNode m = TestBundles.addMulManifest(onnx);
        ((com.fasterxml.jackson.databind.node.ArrayNode) m.get("artifacts"))
                .insert(0, TestBundles.artifact("tensorflow", "addMul.get().pb", new byte[] {1}));
        Map<String, byte[]> files = TestBundles.files(m, onnx);
        files.put("addMul.get().pb", new byte[] {1});
        try (Model loaded =
                Models.load(TestBundles.zip(tmp.getRoot().toPath().resolve("tf.jinfer"), files))) {
            assertEquals("onnx", loaded.backend()); // the first usable artifact
        }
        ((com.fasterxml.jackson.databind.node.ArrayNode) m.get("artifacts")).remove(1);
        Map<String, byte[]> tfOnly = TestBundles.files(m, onnx);
        tfOnly.put("addMul.get().pb", new byte[] {1}); // every listed artifact must be present
        Path onlyTf = TestBundles.zip(tmp.getRoot().toPath().resolve("tf-only.jinfer"), tfOnly);
        BackendException e = assertThrows(BackendException.class, () -> Models.load(onlyTf));
        assertEquals(ErrorCode.NO_USABLE_BACKEND, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("tensorflow"));
    }

    @Test
    public void anOnnxFileThatIsNotAModelIsABackendFailure() throws IOException {
        byte[] junk = "this is not protobuf".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ObjectNode m = TestBundles.addMulManifest(junk);
        Path p =
                TestBundles.zip(
                        tmp.getRoot().toPath().resolve("junk.jinfer"), TestBundles.files(m, junk));
        BackendException e = assertThrows(BackendException.class, () -> Models.load(p));
        assertEquals(ErrorCode.NO_USABLE_BACKEND, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("onnx"));
    }

    @Test
    public void aManifestNameTheModelLacksIsRefused() throws IOException {
        byte[] onnx = TestBundles.resourceBytes("models/add_mul.onnx");
        ObjectNode m = TestBundles.addMulManifest(onnx);
        ((ObjectNode) m.get("artifacts").get(0).get("details"))
                .putObject("output_names")
                .put("y", "nonexistent");
        Path p =
                TestBundles.zip(
                        tmp.getRoot().toPath().resolve("names.jinfer"), TestBundles.files(m, onnx));
        BundleException e = assertThrows(BundleException.class, () -> Models.load(p));
        assertEquals(ErrorCode.INVALID_MANIFEST, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("nonexistent"));
    }

    @Test
    public void aScikitLearnClassifierMatchesScikitLearn() throws IOException {
        Path p = TestBundles.irisZip(tmp.getRoot().toPath().resolve("iris.jinfer"));
        Map<String, Tensor> in = Npz.read(TestBundles.resource("models/iris_inputs.npz"));
        Map<String, Tensor> want = Npz.read(TestBundles.resource("models/iris_expected.npz"));
        try (Model iris = Models.load(p)) {
            Map<String, Tensor> out = iris.predict(in.get("features"));
            assertArrayEquals(want.get("label").toLongArray(), out.get("label").toLongArray());
            assertArrayEquals(new long[] {30}, out.get("label").shape());
            float[] proba = out.get("probabilities").toFloatArray();
            float[] expected = want.get("probabilities").toFloatArray();
            assertEquals(90, proba.length);
            for (int i = 0; i < proba.length; i++) {
                assertEquals("probabilities[" + i + "]", expected[i], proba[i], 1e-5f);
            }
            assertEquals(List.of(0L, 1L, 2L), iris.manifest().classes());
            assertEquals(
                    List.of("sepal_length", "sepal_width", "petal_length", "petal_width"),
                    iris.inputs().get(0).columns());
            Map<String, Tensor> one = new HashMap<>();
            one.put("features", Tensor.of(new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}}));
            assertEquals(0L, iris.predict(one).get("label").toLongArray()[0]);
        }
    }
}
