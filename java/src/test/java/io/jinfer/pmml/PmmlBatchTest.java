package io.jinfer.pmml;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Prediction;
import io.jinfer.Tensor;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A batch split over the PMML backend's threads (the calling thread and the pool take chunks of
 * rows in turn): every row's result lands in its own place, in fresh and in pooled outputs, and a
 * batch with bad rows names its first bad row, as one thread going row by row would.
 */
public class PmmlBatchTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    /** y = 1.5 + 2 x1 - 3 x2, with x1 and x2 the columns of one [n, 2] input. */
    private static final String PMML =
            "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\"><Header/><DataDictionary>"
                    + "<DataField name=\"x1\" optype=\"continuous\" dataType=\"double\"/>"
                    + "<DataField name=\"x2\" optype=\"continuous\" dataType=\"double\"/>"
                    + "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>"
                    + "</DataDictionary><RegressionModel functionName=\"regression\"><MiningSchema>"
                    + "<MiningField name=\"x1\"/><MiningField name=\"x2\"/>"
                    + "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
                    + "<RegressionTable intercept=\"1.5\">"
                    + "<NumericPredictor name=\"x1\" coefficient=\"2\"/>"
                    + "<NumericPredictor name=\"x2\" coefficient=\"-3\"/>"
                    + "</RegressionTable></RegressionModel></PMML>";

    private static final int ROWS = 1000; // 16 chunks of 64 rows

    private Path bundle() throws IOException {
        Path file = tmp.getRoot().toPath().resolve("batch.jinfer");
        return PmmlTestBundles.regression(file, PMML.getBytes(StandardCharsets.UTF_8), "x1", "x2");
    }

    private static LoadOptions threads(int n) {
        return LoadOptions.builder().backend("pmml").intraOpThreads(n).allowNonFinite(true).build();
    }

    private static double[][] rows(int seed) {
        double[][] x = new double[ROWS][2];
        for (int i = 0; i < ROWS; i++) {
            x[i][0] = i + seed;
            x[i][1] = (i * 7 + seed) % 13 - 6.5;
        }
        return x;
    }

    private static double[] expected(double[][] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 1.5 + 2 * x[i][0] - 3 * x[i][1];
        }
        return y;
    }

    @Test
    public void everyRowOfABatchSplitOverThreadsLandsInItsPlace() throws IOException {
        try (Model m = Models.load(bundle(), threads(4))) {
            for (int seed = 0; seed < 3; seed++) {
                double[][] x = rows(seed);
                double[] fresh =
                        m.predict(Map.of("features", Tensor.of(x)))
                                .get("prediction")
                                .toDoubleArray();
                assertArrayEquals(expected(x), fresh, 1e-9);
                try (Prediction p = m.run(Map.of("features", Tensor.of(x)))) { // pooled outputs
                    assertArrayEquals(
                            expected(x), p.outputs().get("prediction").toDoubleArray(), 1e-9);
                }
            }
        }
    }

    @Test
    public void aBatchWithBadRowsNamesItsFirstOneAndTheModelStaysUsable() throws IOException {
        for (int t : new int[] {1, 2, 4}) {
            try (Model m = Models.load(bundle(), threads(t))) {
                double[][] x = rows(0);
                // missing values: the regression gives no prediction for them. The first bad row
                // ends the first chunk; every later chunk starts with one, which another thread
                // reaches first
                x[63][0] = Double.NaN;
                for (int row = 64; row < ROWS; row += 64) {
                    x[row][row % 128 == 0 ? 0 : 1] = Double.NaN;
                }
                for (int i = 0; i < 5; i++) {
                    InputException e =
                            assertThrows(
                                    InputException.class,
                                    () -> m.predict(Map.of("features", Tensor.of(x))));
                    assertEquals(ErrorCode.INVALID_VALUE, e.code());
                    assertTrue(
                            t + " threads: " + e.getMessage(),
                            e.getMessage().startsWith("row 63:"));
                }
                double[][] good = rows(1);
                assertArrayEquals(
                        expected(good),
                        m.predict(Map.of("features", Tensor.of(good)))
                                .get("prediction")
                                .toDoubleArray(),
                        1e-9);
            }
        }
    }
}
