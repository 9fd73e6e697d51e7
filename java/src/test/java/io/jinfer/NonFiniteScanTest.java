package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Rule;
import org.junit.Test;

import java.util.List;
import java.util.Map;

/**
 * The NaN and infinity scan over large inputs, which runs in chunks: the first non-finite element
 * is found wherever it is (first, last, on either side of a chunk's edge), in float32 and float64.
 */
public class NonFiniteScanTest {
    @Rule public AddMulModel addMul = new AddMulModel();

    private static final int ROWS = 2000; // x: 6,000 float32, z: 4,000 float64: several chunks

    private InputChecker checker() {
        return new InputChecker(addMul.get().inputs(), false);
    }

    @Test
    public void findsTheFirstNonFiniteFloat32AnywhereInALargeInput() {
        double[] z = new double[ROWS * 2];
        for (int at : new int[] {0, 1023, 1024, 1025, 4097, ROWS * 3 - 1}) {
            for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
                float[] x = new float[ROWS * 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i - 3000.5f;
                }
                if (at + 7 < x.length) {
                    x[at + 7] = Float.POSITIVE_INFINITY; // a later one, in the same chunk or not
                }
                x[at] = bad;
                Map<String, Tensor> in =
                        Map.of("x", Tensor.of(x, ROWS, 3), "z", Tensor.of(z, ROWS, 2));
                InputException e = assertThrows(InputException.class, () -> checker().check(in));
                assertEquals(ErrorCode.INVALID_VALUE, e.code());
                String want = "input 'x', row " + at / 3 + ", column " + at % 3 + ": ";
                assertTrue(e.getMessage(), e.getMessage().contains(want));
            }
        }
    }

    @Test
    public void findsTheFirstNonFiniteFloat64AnywhereInALargeInput() {
        float[] x = new float[ROWS * 3];
        for (int at : new int[] {0, 1023, 1024, 2047, 2048, ROWS * 2 - 1}) {
            double[] z = new double[ROWS * 2];
            for (int i = 0; i < z.length; i++) {
                z[i] = -Double.MAX_VALUE + i; // large finite values pass
            }
            z[at] = Double.NaN;
            Map<String, Tensor> in = Map.of("x", Tensor.of(x, ROWS, 3), "z", Tensor.of(z, ROWS, 2));
            InputException e = assertThrows(InputException.class, () -> checker().check(in));
            String want = "input 'z', row " + at / 2 + ", column " + at % 2 + ": NaN";
            assertTrue(e.getMessage(), e.getMessage().contains(want));
        }
    }

    @Test
    public void namesTheRowAlongTheBatchDimensionWhereverItIs() {
        // [features, batch]: the batch is the second dimension, so element 2 * 5 + 3 is row 3
        TensorSpec columnsFirst = new TensorSpec("t", DType.FLOAT32, new long[] {4, -1}, null, 1);
        float[] t = new float[4 * 5];
        t[2 * 5 + 3] = Float.NaN;
        InputException e =
                assertThrows(
                        InputException.class,
                        () ->
                                new InputChecker(List.of(columnsFirst), false)
                                        .check(Map.of("t", Tensor.of(t, 4, 5))));
        assertTrue(
                e.getMessage(), e.getMessage().contains("input 't', row 3, element [2, 3]: NaN"));

        // [batch, 2, 3]: element 17 is row 2, at [2, 1, 2]
        TensorSpec cube = new TensorSpec("c", DType.FLOAT64, new long[] {-1, 2, 3}, null, 0);
        double[] c = new double[4 * 6];
        c[2 * 6 + 1 * 3 + 2] = Double.NEGATIVE_INFINITY;
        e =
                assertThrows(
                        InputException.class,
                        () ->
                                new InputChecker(List.of(cube), false)
                                        .check(Map.of("c", Tensor.of(c, 4, 2, 3))));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("input 'c', row 2, element [2, 1, 2]: -Inf"));
    }

    @Test
    public void largeFiniteInputsPass() {
        float[] x = new float[ROWS * 3];
        double[] z = new double[ROWS * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 2 == 0 ? Float.MAX_VALUE : -Float.MIN_VALUE;
        }
        for (int i = 0; i < z.length; i++) {
            z[i] = i % 2 == 0 ? -Double.MAX_VALUE : Double.MIN_NORMAL;
        }
        assertEquals(
                ROWS,
                checker()
                        .check(Map.of("x", Tensor.of(x, ROWS, 3), "z", Tensor.of(z, ROWS, 2)))
                        .batch());
    }
}
