package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jinfer.npy.ParitySample;

import org.junit.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Bundles of other kinds than a classifier with probabilities or a regressor, made by {@code
 * tests/integration/make_bundles.py} in this build: a LinearSVC (label and scores) and an ONNX
 * transform graph (float16 rows, a side input, a scalar output), run by plain Java.
 */
public class OtherKindsIT {
    private static Path bundle(String name) {
        return Paths.get(System.getProperty("jinfer.itBundles", "build/it-bundles"))
                .resolve("kinds")
                .resolve(name);
    }

    private static Map<String, Tensor> sample(Path path, boolean expected) {
        try (Bundle b = Bundle.open(path)) {
            return expected ? ParitySample.expected(b) : ParitySample.inputs(b);
        }
    }

    private static void assertClose(String what, double[] want, double[] got) {
        assertEquals(what, want.length, got.length);
        double scale = 1e-12;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(what + "[" + i + "]", Math.abs(want[i] - got[i]) <= 1e-5 * scale);
        }
    }

    @Test
    public void aClassifierWithoutProbabilitiesGivesItsScores() {
        Path path = bundle("linearsvc.jinfer");
        Map<String, Tensor> want = sample(path, true);
        try (Model model = Models.load(path)) {
            assertEquals("onnx", model.backend());
            assertEquals(
                    "label, scores",
                    String.join(", ", model.outputs().stream().map(TensorSpec::name).toList()));
            Outputs out = Outputs.of(model.predict(sample(path, false)));
            assertArrayEquals(want.get("label").toLongArray(), out.labels());
            assertClose("scores", want.get("scores").toDoubleArray(), out.scores());
            // the decision function's sign is the label: positive for classes[1]
            double[] scores = out.scores();
            long[] labels = out.labels();
            for (int i = 0; i < labels.length; i++) {
                assertEquals("row " + i, scores[i] > 0 ? 1L : 0L, labels[i]);
            }
        }
    }

    @Test
    public void aTransformGraphKeepsItsNamesAndTheSideInputItsSize() {
        Path path = bundle("shift.jinfer");
        Map<String, Tensor> want = sample(path, true);
        Map<String, Tensor> inputs = sample(path, false);
        try (Model model = Models.load(path)) {
            assertEquals("transform", model.manifest().task());
            assertFalse(model.manifest().input("offset").isBatched());
            Outputs out = Outputs.of(model.predict(inputs));
            Tensor shifted = out.get("shifted");
            assertEquals(DType.FLOAT16, shifted.dtype());
            assertArrayEquals(inputs.get("x").shape(), shifted.shape());
            assertClose("shifted", want.get("shifted").toDoubleArray(), shifted.toDoubleArray());
            Tensor total = out.get("total");
            assertEquals(0, total.rank());
            assertEquals(-0.5, total.getDouble(0), 0.0);
            // five rows, the same side input: a batch of another size
            Map<String, Tensor> five =
                    Map.of(
                            "x",
                            Tensor.of(new double[15], 5, 3).castTo(DType.FLOAT16),
                            "offset",
                            inputs.get("offset"));
            assertArrayEquals(new long[] {5, 3}, model.predict(five).get("shifted").shape());
        }
    }
}
