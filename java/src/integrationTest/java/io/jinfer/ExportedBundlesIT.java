package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jinfer.npy.ParitySample;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads every bundle that {@code tests/integration/make_bundles.py} exported in this build, runs
 * its parity sample through {@link Models}, and compares with scikit-learn's outputs stored in it.
 */
@RunWith(Parameterized.class)
public class ExportedBundlesIT {
    private static final double TOL = 1e-5;

    private final Path bundle;

    public ExportedBundlesIT(String name, Path bundle) {
        this.bundle = bundle;
    }

    @Parameters(name = "{0}")
    public static Collection<Object[]> bundles() throws IOException {
        Path dir =
                Paths.get(System.getProperty("jinfer.itBundles", "build/it-bundles"))
                        .resolve("sklearn");
        List<Object[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                out.add(new Object[] {p.getFileName().toString(), p});
            }
        }
        if (out.size() < 9) {
            throw new IllegalStateException(
                    "expected the 9 exported bundles in " + dir + ", found " + out.size());
        }
        return out;
    }

    @Test
    public void javaPredictionsMatchScikitLearn() {
        check("onnx", TOL);
    }

    @Test
    public void thePmmlBackendMatchesScikitLearnToOnePartInAMillion() {
        check("pmml", 1e-6);
    }

    private void check(String backend, double tol) {
        Map<String, Tensor> inputs;
        Map<String, Tensor> expected;
        try (Bundle b = Bundle.open(bundle)) {
            inputs = ParitySample.inputs(b);
            expected = ParitySample.expected(b);
            assertTrue(
                    "manifest records passed parity",
                    b.manifest().artifacts().get(0).parity().path("passed").asBoolean());
        }
        assertFalse(inputs.isEmpty());
        try (Model model = Models.load(bundle, LoadOptions.builder().backend(backend).build())) {
            assertEquals(backend, model.backend());
            Map<String, Tensor> out = model.predict(inputs);
            assertEquals(expected.keySet(), out.keySet());
            for (String name : expected.keySet()) {
                Tensor want = expected.get(name);
                Tensor got = out.get(name);
                assertArrayEquals(name + " shape", want.shape(), got.shape());
                if (name.equals("label")) {
                    assertArrayEquals("labels are exact", want.toLongArray(), got.toLongArray());
                } else {
                    double[] w = want.toDoubleArray();
                    double[] g = got.toDoubleArray();
                    double scale =
                            1.0; // relative to the output's magnitude, as the exporter measures
                    for (double v : w) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    for (int i = 0; i < w.length; i++) {
                        double err = Math.abs(w[i] - g[i]);
                        assertTrue(
                                bundle.getFileName()
                                        + " "
                                        + name
                                        + "["
                                        + i
                                        + "]: "
                                        + g[i]
                                        + " vs "
                                        + w[i],
                                err <= tol * scale);
                    }
                }
            }
        }
    }

    @Test
    public void theModelIsUsableAfterABadCall() {
        try (Model model = Models.load(bundle)) {
            TensorSpec spec = model.inputs().get(0);
            long cols = spec.shape()[1];
            try {
                model.predict(Tensor.zeros(spec.dtype(), 2, cols + 1));
                throw new AssertionError("a wrong fixed dimension was accepted");
            } catch (InputException e) {
                assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
                assertTrue(e.getMessage(), e.getMessage().contains(spec.name()));
            }
            Map<String, Tensor> out = model.predict(Tensor.zeros(spec.dtype(), 3, cols));
            assertEquals(3, out.values().iterator().next().dim(0));
            assertEquals(
                    Arrays.asList(model.outputs().stream().map(TensorSpec::name).toArray()),
                    new ArrayList<>(out.keySet()));
        }
    }
}
