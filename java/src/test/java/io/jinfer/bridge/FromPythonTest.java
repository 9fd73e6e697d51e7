package io.jinfer.bridge;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.AddMulModel;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Model;
import io.jinfer.Tensor;

import org.junit.Rule;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link FromPython#predict}, the one-crossing call of jinfer's Python package, from Java: buffers
 * arrive as JPype makes them (direct, big-endian order over native bytes), and the answers must be
 * those of {@link Model#predict(Map)} on the same tensors. ONNX Runtime runs every call.
 */
public class FromPythonTest {
    /** x float32 [-1, 3], z float64 [-1, 2] -> y = x + [1, 2, 3], w = 2z. */
    @Rule public AddMulModel addMul = new AddMulModel();

    /** A direct buffer holding {@code t}'s native bytes, in the big-endian order JPype gives it. */
    private static ByteBuffer asJPypeGives(Tensor t) {
        ByteBuffer src = t.buffer();
        ByteBuffer b = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
        b.put(src).flip();
        return b.order(ByteOrder.BIG_ENDIAN);
    }

    @Test
    public void answersAsModelPredictDoes() {
        Tensor x = Tensor.of(new float[][] {{0, 0, 0}, {1, 10, 100}});
        Tensor z = Tensor.of(new double[][] {{0.5, 0}, {1.5, -1}});
        long[] meta = {DType.FLOAT32.id(), 2, 2, 3, DType.FLOAT64.id(), 2, 2, 2};
        Object[] out =
                FromPython.predict(
                        addMul.get(), new Object[] {asJPypeGives(x), asJPypeGives(z)}, meta);

        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", x);
        in.put("z", z);
        Map<String, Tensor> expected = addMul.get().predict(in);
        assertEquals("two outputs with fixed inner dims: no shapes after them", 2, out.length);
        assertEquals(
                expected.get("y").buffer(), ((ByteBuffer) out[0]).order(ByteOrder.nativeOrder()));
        assertEquals(
                expected.get("w").buffer(), ((ByteBuffer) out[1]).order(ByteOrder.nativeOrder()));
        assertArrayEquals(
                new float[] {2, 12, 103},
                Tensor.wrap((ByteBuffer) out[0], DType.FLOAT32, 2, 3).toFloatMatrix()[1],
                0f);
    }

    @Test
    public void aStagedBatchIsReadAndAnsweredInTheBuffer() {
        // x float32 [2, 3] at byte 0 (24 bytes), z float64 [2, 2] at byte 24; outputs from byte 64
        ByteBuffer stage = ByteBuffer.allocateDirect(256).order(ByteOrder.nativeOrder());
        float[] x = {0, 0, 0, 1, 10, 100};
        double[] z = {0.5, 0, 1.5, -1};
        for (int i = 0; i < x.length; i++) {
            stage.putFloat(4 * i, x[i]);
        }
        for (int i = 0; i < z.length; i++) {
            stage.putDouble(24 + 8 * i, z[i]);
        }
        long[] meta = {64, DType.FLOAT32.id(), 2, 2, 3, DType.FLOAT64.id(), 2, 2, 2};
        FromPython.predictStaged(
                addMul.get(), stage.order(ByteOrder.BIG_ENDIAN), meta); // as JPype hands it over
        stage.order(ByteOrder.nativeOrder());
        float[] y = new float[6];
        for (int i = 0; i < y.length; i++) {
            y[i] = stage.getFloat(64 + 4 * i); // y = x + [1, 2, 3]: 24 bytes, so w starts at 88
        }
        assertArrayEquals(new float[] {1, 2, 3, 2, 12, 103}, y, 0f);
        assertEquals(3.0, stage.getDouble(88 + 16), 0.0); // w = 2z, row 1
        assertEquals(-2.0, stage.getDouble(88 + 24), 0.0);
        assertEquals("the inputs are left as they were", 100f, stage.getFloat(20), 0f);
    }

    @Test
    public void anEmptyBatchComesBackAsNulls() {
        long[] meta = {DType.FLOAT32.id(), 2, 0, 3, DType.FLOAT64.id(), 2, 0, 2};
        Object[] out = FromPython.predict(addMul.get(), new Object[] {null, null}, meta);
        assertNull(out[0]);
        assertNull(out[1]);
    }

    @Test
    public void badInputsAreRefusedAsModelPredictRefusesThem() {
        Tensor x = Tensor.of(new float[][] {{0, 0, 0}});
        Tensor z = Tensor.of(new double[][] {{0.5, 0}, {1.5, -1}});
        long[] meta = {DType.FLOAT32.id(), 2, 1, 3, DType.FLOAT64.id(), 2, 2, 2};
        InputException e =
                assertThrows(
                        InputException.class,
                        () ->
                                FromPython.predict(
                                        addMul.get(),
                                        new Object[] {asJPypeGives(x), asJPypeGives(z)},
                                        meta));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        IllegalArgumentException wrong =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                FromPython.predict(
                                        addMul.get(),
                                        new Object[] {asJPypeGives(x)},
                                        new long[] {DType.FLOAT32.id(), 2, 1, 3}));
        assertTrue(
                wrong.getMessage(),
                wrong.getMessage().contains("1 inputs for a model that takes 2"));
    }
}
