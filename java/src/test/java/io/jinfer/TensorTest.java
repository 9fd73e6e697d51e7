package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;

public class TensorTest {
    private static ByteBuffer directFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return b;
    }

    // ---------------------------------------------------------------- factories

    @Test
    public void ofMatrixKeepsRowsInCOrder() {
        Tensor t = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(6, t.size());
        assertEquals(2, t.rank());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray(), 0f);
        assertEquals(6.0, t.getDouble(5), 0.0);
    }

    @Test
    public void factoriesGiveEachDtype() {
        assertEquals(DType.FLOAT64, Tensor.of(new double[][] {{1.5}}).dtype());
        assertEquals(DType.INT64, Tensor.of(new long[] {1, 2, 3, 4}, 2, 2).dtype());
        assertEquals(DType.INT32, Tensor.of(new int[] {7}).dtype());
        assertEquals(DType.BOOL, Tensor.of(new boolean[] {true, false}).dtype());
        assertEquals(DType.STRING, Tensor.of(new String[] {"a", "b"}).dtype());
        assertArrayEquals(new long[] {4}, Tensor.of(new long[] {1, 2, 3, 4}).shape());
        assertArrayEquals(
                new String[] {"a", "b", "c", "d"},
                Tensor.ofStrings(new String[] {"a", "b", "c", "d"}, 2, 2).toStringArray());
    }

    @Test
    public void factoriesRefuseBadShapesAndRaggedRows() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("3 elements") && e.getMessage().contains("[2, 2]"));
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.of(new float[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage(), e.getMessage().contains("row 1"));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {}, -1));
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.ofStrings(new String[] {"a", null}, 2));
        assertTrue(e.getMessage(), e.getMessage().contains("null"));
    }

    @Test
    public void ofCopiesTheJavaArray() {
        float[] src = {1, 2, 3};
        Tensor t = Tensor.of(src);
        src[0] = 99;
        assertEquals(1f, t.toFloatArray()[0], 0f);
        String[] s = {"a"};
        Tensor st = Tensor.of(s);
        s[0] = "changed";
        assertEquals("a", st.toStringArray()[0]);
    }

    @Test
    public void zeroDimensionalAndEmptyTensors() {
        Tensor scalar = Tensor.of(new double[] {2.5}, new long[0]);
        assertEquals(0, scalar.rank());
        assertEquals(1, scalar.size());
        assertEquals(2.5, scalar.toDoubleArray()[0], 0.0);
        Tensor empty = Tensor.zeros(DType.FLOAT32, 0, 3);
        assertEquals(0, empty.size());
        assertArrayEquals(new long[] {0, 3}, empty.shape());
        assertEquals(0, empty.toFloatMatrix().length);
        Tensor strings = Tensor.zeros(DType.STRING, 2);
        assertArrayEquals(new String[] {"", ""}, strings.toStringArray());
    }

    // ---------------------------------------------------------------- wrap

    @Test
    public void wrapOfADirectNativeBufferIsZeroCopy() {
        ByteBuffer b = directFloats(1, 2, 3, 4);
        Tensor t = Tensor.wrap(b, DType.FLOAT32, 2, 2);
        b.putFloat(4, 42f); // write through the original buffer
        assertEquals(42f, t.toFloatMatrix()[0][1], 0f);
        assertEquals(42.0, t.getDouble(1), 0.0);
    }

    @Test
    public void wrapViewsOnlyTheRemainingBytes() {
        ByteBuffer b = directFloats(9, 1, 2);
        b.position(4);
        Tensor t = Tensor.wrap(b, DType.FLOAT32, 2);
        assertArrayEquals(new float[] {1, 2}, t.toFloatArray(), 0f);
        assertEquals(4, b.position()); // the caller's buffer is untouched
    }

    @Test
    public void wrapCopiesAHeapBufferOnce() {
        ByteBuffer heap = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        heap.asIntBuffer().put(new int[] {5, 6});
        Tensor t = Tensor.wrap(heap, DType.INT32, 2);
        heap.putInt(0, 100);
        assertArrayEquals(new int[] {5, 6}, t.toIntArray());
        assertTrue(t.buffer().isDirect());
    }

    @Test
    public void wrapSwapsABigEndianBufferIntoNativeOrder() {
        ByteBuffer be = ByteBuffer.allocateDirect(24).order(ByteOrder.BIG_ENDIAN);
        be.putDouble(1.5).putDouble(-0.25).putDouble(1e300).flip();
        Tensor t = Tensor.wrap(be, DType.FLOAT64, 3);
        assertArrayEquals(new double[] {1.5, -0.25, 1e300}, t.toDoubleArray(), 0.0);
        assertEquals(ByteOrder.nativeOrder(), t.buffer().order());

        ByteBuffer shorts = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
        shorts.putShort((short) -2).putShort((short) 300).flip();
        assertArrayEquals(new long[] {-2, 300}, Tensor.wrap(shorts, DType.INT16, 2).toLongArray());
    }

    @Test
    public void wrapRefusesTooFewBytesAndStrings() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.wrap(directFloats(1, 2), DType.FLOAT32, 3));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("8 bytes") && e.getMessage().contains("12"));
        assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.wrap(directFloats(1), DType.STRING, 1));
    }

    // ---------------------------------------------------------------- immutability

    @Test
    public void bufferIsAReadOnlyNativeView() {
        Tensor t = Tensor.of(new float[] {1, 2});
        ByteBuffer view = t.buffer();
        assertTrue(view.isReadOnly());
        assertTrue(view.isDirect());
        assertEquals(ByteOrder.nativeOrder(), view.order());
        assertEquals(0, view.position());
        assertEquals(8, view.remaining());
        assertThrows(ReadOnlyBufferException.class, () -> view.putFloat(0, 5f));
        view.position(4); // moving the view does not move the tensor's data
        assertEquals(0, t.buffer().position());
        assertArrayEquals(new float[] {1, 2}, t.toFloatArray(), 0f);
    }

    @Test
    public void accessorsAndShapeAreCopies() {
        Tensor t = Tensor.of(new long[] {1, 2, 3, 4}, 2, 2);
        t.toLongArray()[0] = 100;
        t.shape()[0] = 7;
        assertArrayEquals(new long[] {1, 2, 3, 4}, t.toLongArray());
        assertArrayEquals(new long[] {2, 2}, t.shape());
        Tensor s = Tensor.of(new String[] {"x"});
        s.toStringArray()[0] = "y";
        assertEquals("x", s.toStringArray()[0]);
    }

    @Test
    public void stringTensorsHaveNoBuffer() {
        Tensor s = Tensor.of(new String[] {"a"});
        assertTrue(s.isString());
        assertThrows(IllegalStateException.class, s::buffer);
        assertThrows(IllegalStateException.class, s::toDoubleArray);
    }

    // ---------------------------------------------------------------- accessors and casts

    @Test
    public void accessorsWidenOnlyWithoutLoss() {
        Tensor ints = Tensor.of(new int[] {-3, 4});
        assertArrayEquals(new long[] {-3, 4}, ints.toLongArray());
        assertArrayEquals(new double[] {-3, 4}, ints.toDoubleArray(), 0.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, ints::toFloatArray);
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("int32") && e.getMessage().contains("float32"));
        assertThrows(
                IllegalStateException.class, () -> Tensor.of(new float[] {1.5f}).toLongArray());
        assertThrows(IllegalStateException.class, () -> Tensor.of(new int[] {1}).toBooleanArray());
        assertArrayEquals(
                new boolean[] {true, false},
                Tensor.of(new boolean[] {true, false}).toBooleanArray());
        assertArrayEquals(new String[] {"1", "2"}, Tensor.of(new long[] {1, 2}).toStringArray());
        assertThrows(
                IllegalStateException.class, () -> Tensor.of(new float[] {1, 2}).toFloatMatrix());
    }

    @Test
    public void uint8ReadsUnsigned() {
        ByteBuffer b = ByteBuffer.allocateDirect(2).order(ByteOrder.nativeOrder());
        b.put(0, (byte) 0xFF).put(1, (byte) 0x80);
        assertArrayEquals(new long[] {255, 128}, Tensor.wrap(b, DType.UINT8, 2).toLongArray());
        assertArrayEquals(new long[] {-1, -128}, Tensor.wrap(b, DType.INT8, 2).toLongArray());
    }

    @Test
    public void castToConvertsAndCopies() {
        Tensor f = Tensor.of(new float[] {1.75f, -2.5f, 0f}, 3);
        assertSame(f, f.castTo(DType.FLOAT32));
        Tensor d = f.castTo(DType.FLOAT64);
        assertNotSame(f, d);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[] {1.75, -2.5, 0}, d.toDoubleArray(), 0.0);
        assertArrayEquals(
                new int[] {1, -2, 0}, f.castTo(DType.INT32).toIntArray()); // truncation, as numpy
        assertArrayEquals(new boolean[] {true, true, false}, f.castTo(DType.BOOL).toBooleanArray());
        assertArrayEquals(new long[] {3}, f.castTo(DType.INT64).shape());
        assertThrows(IllegalArgumentException.class, () -> f.castTo(DType.STRING));
        assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.of(new String[] {"1"}).castTo(DType.INT64));
    }

    @Test
    public void integerCastsKeepExtremeValuesExact() {
        Tensor ints = Tensor.of(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE});
        assertArrayEquals(
                new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE},
                ints.castTo(DType.INT64).toLongArray());
        assertArrayEquals(
                new double[] {Integer.MIN_VALUE, Integer.MAX_VALUE},
                ints.castTo(DType.FLOAT64).toDoubleArray(),
                0.0);
        ByteBuffer b =
                ByteBuffer.allocateDirect(1).order(ByteOrder.nativeOrder()).put(0, (byte) 200);
        assertArrayEquals(
                new long[] {200}, Tensor.wrap(b, DType.UINT8, 1).castTo(DType.INT16).toLongArray());
    }

    @Test
    public void reshapeSharesTheData() {
        ByteBuffer b = directFloats(1, 2, 3, 4, 5, 6);
        Tensor t = Tensor.wrap(b, DType.FLOAT32, 6).reshape(2, 3);
        b.putFloat(20, 60f);
        assertEquals(60f, t.toFloatMatrix()[1][2], 0f);
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
    }

    @Test
    public void elementCountIsTheProductOfTheDimensions() {
        assertEquals(1, Tensor.elementCount(new long[] {}));
        assertEquals(24, Tensor.elementCount(new long[] {2, 3, 4}));
        assertEquals(0, Tensor.elementCount(new long[] {0, 5}));
        assertThrows(
                ArithmeticException.class,
                () -> Tensor.elementCount(new long[] {1L << 32, 1L << 32}));
    }

    @Test
    public void concreteShapeFillsEveryDynamicDimensionWithTheBatch() {
        long[] declared = {-1, 3, -1};
        assertArrayEquals(new long[] {7, 3, 7}, TensorSpec.concreteShape(declared, 7));
        assertArrayEquals(new long[] {-1, 3, -1}, declared);
        TensorSpec spec = new TensorSpec("x", DType.FLOAT32, new long[] {-1, 4}, null);
        assertArrayEquals(new long[] {2, 4}, spec.concreteShape(2));
    }

    /**
     * A spec's name is the interned String, so that a caller's key written as a literal, or taken
     * from another manifest's spec, finds its input by reference in any map.
     */
    @Test
    public void aSpecsNameIsTheInternedString() {
        String parsed = new String("features".toCharArray()); // as a JSON parser makes it
        TensorSpec spec = new TensorSpec(parsed, DType.FLOAT32, new long[] {-1, 4}, null);
        assertSame("features", spec.name());
    }

    /**
     * Small tensors are cut one after another from the thread's slab: none may see another's bytes,
     * and a tensor of zeros made after others is still zeros.
     */
    @Test
    public void smallTensorsCutFromOneSlabKeepTheirOwnBytes() {
        java.util.List<Tensor> made = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) { // more than one 64 KiB slab's worth
            made.add(Tensor.of(new long[] {i, -i, 7L * i}));
            Tensor z = Tensor.zeros(DType.FLOAT64, 5);
            assertArrayEquals(new double[5], z.toDoubleArray(), 0);
        }
        for (int i = 0; i < made.size(); i++) {
            assertArrayEquals(new long[] {i, -i, 7L * i}, made.get(i).toLongArray());
        }
    }
}
