package com.example;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.Npz;

import org.junit.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The integration test of the recipe: the bundle that {@code exportBundles} wrote in this build,
 * loaded with {@link Models#load(Path)}, predicts what the Python model predicted.
 */
public class IrisModelTest {
    private static final Path BUNDLES = Path.of(System.getProperty("bundles"));

    @Test
    public void theExportedBundlePredictsWhatPythonDid() throws IOException {
        Map<String, Tensor> expected = Npz.read(BUNDLES.resolve("expected.npz"));
        try (Model model = Models.load(BUNDLES.resolve("iris.jinfer"))) {
            assertEquals("onnx", model.backend());
            Map<String, Tensor> out = model.predict(expected.get("features"));
            assertArrayEquals(expected.get("label").toLongArray(), out.get("label").toLongArray());
            float[][] want = expected.get("probabilities").toFloatMatrix();
            float[][] got = out.get("probabilities").toFloatMatrix();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals("row " + i, want[i], got[i], 1e-5f);
            }
        }
    }

    @Test
    public void onlyOnnxRuntimeIsOnTheClasspath() {
        // JPMML is an optional dependency of jinfer: it does not come along
        assertFalse(Models.backendStatus("pmml").available());
    }
}
