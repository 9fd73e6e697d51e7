package io.jinfer.bridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.AddMulModel;
import io.jinfer.DType;

import org.junit.Rule;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link StagedCall}, one layout of a staging buffer read once: each run answers the batch the
 * buffer holds at that moment, whether its outputs come from the thread's slab or from the model's
 * pool. ONNX Runtime runs every call.
 */
public class StagedCallTest {
    /** x float32 [-1, 3], z float64 [-1, 2] -> y = x + [1, 2, 3], w = 2z. */
    @Rule public AddMulModel addMul = new AddMulModel();

    private static final int STAGE_BYTES = 64 << 10;

    /** A layout of {@code rows} rows: x from byte 0, z after it, the outputs after z. */
    private static long[] meta(int rows) {
        long outputsAt = align8(12L * rows) + 16L * rows;
        return new long[] {
            outputsAt, DType.FLOAT32.id(), 2, rows, 3, DType.FLOAT64.id(), 2, rows, 2
        };
    }

    private static long align8(long n) {
        return (n + 7) & -8;
    }

    /** Writes x[r] = (r + seed, 0, 0) and z[r] = (r, seed) into the buffer. */
    private static void fill(ByteBuffer stage, int rows, int seed) {
        for (int r = 0; r < rows; r++) {
            stage.putFloat(12 * r, r + seed);
            stage.putFloat(12 * r + 4, 0);
            stage.putFloat(12 * r + 8, 0);
            stage.putDouble((int) align8(12L * rows) + 16 * r, r);
            stage.putDouble((int) align8(12L * rows) + 16 * r + 8, seed);
        }
    }

    /** Reads y[r][0] and w[r][1] from the buffer, and checks them against x and z. */
    private static void assertAnswered(ByteBuffer stage, int rows, int seed) {
        int y = (int) meta(rows)[0];
        int w = (int) align8(y + 12L * rows);
        float[] y0 = new float[rows];
        float[] expectedY0 = new float[rows];
        for (int r = 0; r < rows; r++) {
            y0[r] = stage.getFloat(y + 12 * r);
            expectedY0[r] = r + seed + 1;
            assertEquals("w[" + r + "][1]", 2.0 * seed, stage.getDouble(w + 16 * r + 8), 0.0);
        }
        assertArrayEquals(expectedY0, y0, 0f);
    }

    @Test
    public void eachRunAnswersWhatTheBufferHoldsThen() {
        for (int rows : new int[] {2, 1100}) { // w of 1,100 rows is 17,600 bytes: over a slab cut
            ByteBuffer stage =
                    ByteBuffer.allocateDirect(STAGE_BYTES).order(ByteOrder.nativeOrder());
            StagedCall call =
                    FromPython.staged(addMul.get(), stage.order(ByteOrder.BIG_ENDIAN), meta(rows));
            stage.order(ByteOrder.nativeOrder());
            for (int seed = 0; seed < 3; seed++) {
                fill(stage, rows, seed);
                call.run();
                assertAnswered(stage, rows, seed);
            }
        }
    }

    @Test
    public void aLayoutWhoseInputsRunPastTheOutputsIsRefused() {
        long[] meta = meta(2);
        meta[0] = 8; // x alone takes 24 bytes
        ByteBuffer stage = ByteBuffer.allocateDirect(256);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> FromPython.staged(addMul.get(), stage, meta));
        assertTrue(e.getMessage(), e.getMessage().contains("run past the outputs' offset 8"));
    }

    @Test
    public void outputsThatDoNotFitTheBufferAreRefusedAtEveryRun() {
        ByteBuffer stage = ByteBuffer.allocateDirect((int) meta(2)[0] + 8);
        StagedCall call = FromPython.staged(addMul.get(), stage, meta(2));
        for (int i = 0; i < 2; i++) {
            Exception e = assertThrows(io.jinfer.BackendException.class, call::run);
            assertTrue(e.getMessage(), e.getMessage().contains("bytes of the staging buffer"));
        }
    }
}
