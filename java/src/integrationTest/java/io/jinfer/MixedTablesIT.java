package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/**
 * Mixed-type tables from Java: one tensor per column, the string column as a string tensor, and an
 * unknown category handled as the model's invalid-value treatment says.
 */
public class MixedTablesIT {
    private static Path bundle(String name) {
        return Paths.get(System.getProperty("jinfer.itBundles", "build/it-bundles"))
                .resolve("mixed")
                .resolve(name);
    }

    private static Map<String, Tensor> rows(String... colors) {
        Map<String, Tensor> in = new HashMap<>();
        in.put("color", Tensor.of(colors));
        float[] size = new float[colors.length];
        float[] weight = new float[colors.length];
        java.util.Arrays.fill(size, 0.5f);
        java.util.Arrays.fill(weight, 10f);
        in.put("size", Tensor.of(size));
        in.put("weight", Tensor.of(weight));
        return in;
    }

    @Test
    public void bothBackendsAgreeOnAMixedTable() {
        Map<String, Tensor> in = rows("red", "green", "blue");
        float[][] onnx;
        double[] pmml;
        try (Model m =
                Models.load(
                        bundle("mixed-ignore.jinfer"),
                        LoadOptions.builder().backend("onnx").build())) {
            assertEquals(3, m.inputs().size());
            assertEquals(DType.STRING, m.manifest().input("color").dtype());
            onnx = m.predict(in).get("probabilities").toFloatMatrix();
        }
        try (Model m =
                Models.load(
                        bundle("mixed-ignore.jinfer"),
                        LoadOptions.builder().backend("pmml").build())) {
            pmml = m.predict(in).get("probabilities").toDoubleArray();
        }
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 2; k++) {
                assertEquals(pmml[r * 2 + k], onnx[r][k], 1e-5);
            }
        }
    }

    @Test
    public void anIgnoredUnknownCategoryScoresLikeNoCategory() {
        try (Model m =
                Models.load(
                        bundle("mixed-ignore.jinfer"),
                        LoadOptions.builder().backend("pmml").build())) {
            Map<String, Tensor> out = m.predict(rows("purple", "red"));
            assertArrayEquals(new long[] {2, 2}, out.get("probabilities").shape());
            double[] p = out.get("probabilities").toDoubleArray();
            assertEquals(1.0, p[0] + p[1], 1e-9);
        }
    }

    @Test
    public void aRefusedUnknownCategoryIsAnInputErrorNamingRowAndField() {
        refusesPurpleInRow1("pmml");
    }

    @Test
    public void onnxRefusesAnUnknownCategoryAsAnInputError() {
        String message = refusesPurpleInRow1("onnx");
        assertTrue(
                message,
                message.startsWith("row 1, input 'color': category \"purple\"")
                        && message.contains("known: [blue, green, red]"));
    }

    /**
     * Row 1's unknown "purple" is an InputException naming row, field and value through {@code
     * backend}, and the model stays usable; returns the message.
     */
    private String refusesPurpleInRow1(String backend) {
        try (Model m =
                Models.load(
                        bundle("mixed-error.jinfer"),
                        LoadOptions.builder().backend(backend).build())) {
            InputException e =
                    assertThrows(InputException.class, () -> m.predict(rows("red", "purple")));
            assertEquals(ErrorCode.INVALID_VALUE, e.code());
            assertTrue(
                    e.getMessage(),
                    e.getMessage().contains("row 1")
                            && e.getMessage().contains("color")
                            && e.getMessage().contains("purple"));
            assertEquals(1, m.predict(rows("red")).get("label").size()); // still usable
            return e.getMessage();
        }
    }

    @Test
    public void aMissingColumnIsNamed() {
        try (Model m = Models.load(bundle("mixed-ignore.jinfer"))) {
            Map<String, Tensor> in = rows("red");
            in.remove("weight");
            try {
                m.predict(in);
                fail("a missing column was accepted");
            } catch (InputException e) {
                assertEquals(ErrorCode.MISSING_INPUT, e.code());
                assertTrue(e.getMessage(), e.getMessage().contains("weight"));
            }
        }
    }
}
