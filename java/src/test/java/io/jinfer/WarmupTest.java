package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The warm-up {@link Models#load} runs on the bundle's parity sample ({@link
 * LoadOptions.Builder#warmup(int)}), on real ONNX models. How many calls reach the backend is
 * counted in {@code tests/jvm/test_warmup.py}, where the python backend's model counts them.
 */
public class WarmupTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private Path addMulWithBadSample() throws IOException {
        return TestBundles.addMulWithBadSample(tmp.getRoot().toPath().resolve("bad-sample.jinfer"));
    }

    @Test
    public void aWarmupThatFailsRefusesTheLoadAndNamesTheBundle() throws IOException {
        Path bundle = addMulWithBadSample();
        BundleException e = assertThrows(BundleException.class, () -> Models.load(bundle));
        assertEquals(ErrorCode.BUNDLE_CORRUPT, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains(bundle.toString()));
        assertTrue(e.getMessage(), e.getMessage().contains("warm-up"));
        assertTrue(e.getMessage(), e.getMessage().contains("parity sample"));
        assertTrue(e.getCause() instanceof InputException);
    }

    @Test
    public void warmupZeroRunsNothingAtLoad() throws IOException {
        Path bundle = addMulWithBadSample(); // a warm-up would fail on it, as the test above shows
        try (Model m = Models.load(bundle, LoadOptions.builder().warmup(0).build())) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("x", Tensor.of(new float[][] {{1, 2, 3}}));
            in.put("z", Tensor.of(new double[][] {{4, 5}}));
            Map<String, Tensor> out = m.predict(in);
            assertArrayEquals(new float[] {2, 4, 6}, out.get("y").toFloatArray(), 0f);
            assertArrayEquals(new double[] {8, 10}, out.get("w").toDoubleArray(), 0);
        }
    }

    @Test
    public void aRealSampleWarmsUpAndTheModelAnswersAsBefore() throws IOException {
        Path bundle = TestBundles.irisZip(tmp.getRoot().toPath().resolve("iris.jinfer"));
        Map<String, Tensor> sample;
        Map<String, Tensor> expected;
        try (Bundle b = Bundle.open(bundle)) {
            sample = io.jinfer.npy.ParitySample.inputs(b);
            expected = io.jinfer.npy.ParitySample.expected(b);
        }
        try (Model m = Models.load(bundle, LoadOptions.builder().warmup(50).build())) {
            Map<String, Tensor> out = m.predict(sample);
            assertArrayEquals(expected.get("label").toLongArray(), out.get("label").toLongArray());
        }
    }

    @Test
    public void aSampleRowThisLoadRefusesIsSkippedNotFatal() throws IOException {
        // a recorded sample may hold NaN (the model answered it at export); a default load
        // refuses NaN, so the warm-up leaves that row out rather than the load failing
        byte[] onnx = TestBundles.resourceBytes("models/add_mul.onnx");
        Map<String, byte[]> files = TestBundles.files(TestBundles.addMulManifest(onnx), onnx);
        Map<String, Tensor> sample = new LinkedHashMap<>();
        sample.put("x", Tensor.of(new float[][] {{1, 2, 3}, {Float.NaN, 0, 0}, {4, 5, 6}}));
        sample.put("z", Tensor.of(new double[][] {{1, 2}, {3, 4}, {5, 6}}));
        files.put("parity/inputs.npz", TestBundles.npz(sample));
        Path bundle = TestBundles.zip(tmp.getRoot().toPath().resolve("nan.jinfer"), files);
        try (Model m = Models.load(bundle)) {
            InputException e = assertThrows(InputException.class, () -> m.predict(sample));
            assertEquals(ErrorCode.INVALID_VALUE, e.code()); // the load did not allow NaN
        }
    }

    @Test
    public void theDefaultIsOnAndANegativeCountIsRefused() {
        assertEquals(LoadOptions.DEFAULT_WARMUP, LoadOptions.defaults().warmup());
        assertTrue(LoadOptions.DEFAULT_WARMUP > 0);
        assertEquals(0, LoadOptions.builder().warmup(0).build().warmup());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> LoadOptions.builder().warmup(-1));
        assertTrue(e.getMessage(), e.getMessage().contains("warmup"));
    }
}
