package io.jinfer;

import io.jinfer.spi.OutputBuffers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable n-dimensional array: a {@link DType}, a shape, and the elements in row-major (C)
 * order. Numeric data lives in a direct {@link ByteBuffer} in native byte order, the layout numpy
 * and ONNX Runtime use, so it crosses to either without conversion. Strings live in a {@code
 * String[]}.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}});   // copies the array once
 * Tensor y = Tensor.wrap(directBuffer, DType.FLOAT32, 1, 4);         // no copy
 * float[][] back = x.toFloatMatrix();                                // copies out
 * }</pre>
 *
 * <p>Accessors named {@code toXxx} copy out. {@link #buffer()} is a read-only view without a copy.
 * A tensor made by {@link #wrap} keeps a strong reference to the buffer it views.
 */
public final class Tensor {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final DType dtype;
    private final long[] shape;
    private final long size;
    private final ByteBuffer data; // direct, native order, position 0; null for STRING
    private final String[] strings; // null unless STRING
    private final OutputPool.Lease lease; // a Prediction's buffers; null for a tensor of its own

    private Tensor(DType dtype, long[] shape, ByteBuffer data, String[] strings) {
        this(dtype, shape, data, strings, null);
    }

    private Tensor(
            DType dtype, long[] shape, ByteBuffer data, String[] strings, OutputPool.Lease lease) {
        this.dtype = dtype;
        this.shape = shape;
        this.size = elementCount(shape);
        this.data = data;
        this.strings = strings;
        this.lease = lease;
    }

    /**
     * This tensor over the same data, readable only until {@code lease} is released: a {@link
     * Prediction}'s output.
     */
    Tensor leased(OutputPool.Lease l) {
        return new Tensor(dtype, shape, data, strings, l);
    }

    // ---------------------------------------------------------------- factories

    /**
     * A tensor viewing {@code buffer}'s remaining bytes, without a copy when the buffer is direct
     * and in native byte order; otherwise the bytes are copied once into that form.
     *
     * @throws IllegalArgumentException if the buffer holds fewer bytes than the shape needs
     */
    public static Tensor wrap(ByteBuffer buffer, DType dtype, long... shape) {
        Objects.requireNonNull(buffer, "buffer");
        requireNumeric(dtype);
        long[] s = checkShape(shape);
        long bytes = byteCount(dtype, s);
        if (buffer.remaining() < bytes) {
            throw new IllegalArgumentException(
                    "buffer holds "
                            + buffer.remaining()
                            + " bytes but "
                            + dtype
                            + " "
                            + Arrays.toString(s)
                            + " needs "
                            + bytes);
        }
        if (buffer.isDirect() && buffer.order() == NATIVE) {
            return new Tensor(
                    dtype, s, buffer.slice(buffer.position(), (int) bytes).order(NATIVE), null);
        }
        ByteBuffer view = buffer.duplicate();
        view.limit(view.position() + (int) bytes);
        view.order(buffer.order());
        return new Tensor(dtype, s, copyToNative(view, dtype, (int) bytes), null);
    }

    /** A 1-D float32 tensor. */
    public static Tensor of(float[] values) {
        return of(values, values.length);
    }

    /** A float32 tensor with the given shape over a copy of {@code values} (row-major). */
    public static Tensor of(float[] values, long... shape) {
        ByteBuffer b = allocate(DType.FLOAT32, checkCount(values.length, shape));
        b.asFloatBuffer().put(values);
        return new Tensor(DType.FLOAT32, shape.clone(), b, null);
    }

    /** A 2-D float32 tensor {@code [rows, cols]}; the rows must all have one length. */
    public static Tensor of(float[][] rows) {
        int cols =
                rectangular(
                        rows.length, rows.length == 0 ? 0 : rows[0].length, i -> rows[i].length);
        ByteBuffer b = allocate(DType.FLOAT32, (long) rows.length * cols);
        java.nio.FloatBuffer f = b.asFloatBuffer();
        for (float[] r : rows) {
            f.put(r);
        }
        return new Tensor(DType.FLOAT32, new long[] {rows.length, cols}, b, null);
    }

    /** A 1-D float64 tensor. */
    public static Tensor of(double[] values) {
        return of(values, values.length);
    }

    /** A float64 tensor with the given shape over a copy of {@code values}. */
    public static Tensor of(double[] values, long... shape) {
        ByteBuffer b = allocate(DType.FLOAT64, checkCount(values.length, shape));
        b.asDoubleBuffer().put(values);
        return new Tensor(DType.FLOAT64, shape.clone(), b, null);
    }

    /** A 2-D float64 tensor {@code [rows, cols]}. */
    public static Tensor of(double[][] rows) {
        int cols =
                rectangular(
                        rows.length, rows.length == 0 ? 0 : rows[0].length, i -> rows[i].length);
        ByteBuffer b = allocate(DType.FLOAT64, (long) rows.length * cols);
        java.nio.DoubleBuffer d = b.asDoubleBuffer();
        for (double[] r : rows) {
            d.put(r);
        }
        return new Tensor(DType.FLOAT64, new long[] {rows.length, cols}, b, null);
    }

    /** A 1-D int64 tensor. */
    public static Tensor of(long[] values) {
        return of(values, values.length);
    }

    /** An int64 tensor with the given shape over a copy of {@code values}. */
    public static Tensor of(long[] values, long... shape) {
        ByteBuffer b = allocate(DType.INT64, checkCount(values.length, shape));
        b.asLongBuffer().put(values);
        return new Tensor(DType.INT64, shape.clone(), b, null);
    }

    /** A 1-D int32 tensor. */
    public static Tensor of(int[] values) {
        return of(values, values.length);
    }

    /** An int32 tensor with the given shape over a copy of {@code values}. */
    public static Tensor of(int[] values, long... shape) {
        ByteBuffer b = allocate(DType.INT32, checkCount(values.length, shape));
        b.asIntBuffer().put(values);
        return new Tensor(DType.INT32, shape.clone(), b, null);
    }

    /** A 1-D bool tensor. */
    public static Tensor of(boolean[] values) {
        return of(values, values.length);
    }

    /** A bool tensor with the given shape. */
    public static Tensor of(boolean[] values, long... shape) {
        ByteBuffer b = allocate(DType.BOOL, checkCount(values.length, shape));
        for (boolean v : values) {
            b.put((byte) (v ? 1 : 0));
        }
        b.clear();
        return new Tensor(DType.BOOL, shape.clone(), b, null);
    }

    /** A 1-D string tensor. */
    public static Tensor of(String[] values) {
        return ofStrings(values, values.length);
    }

    /**
     * A string tensor with the given shape over a copy of {@code values}; no element may be null.
     */
    public static Tensor ofStrings(String[] values, long... shape) {
        checkCount(values.length, shape);
        String[] copy = values.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null) {
                throw new IllegalArgumentException("string tensor element " + i + " is null");
            }
        }
        return new Tensor(DType.STRING, shape.clone(), null, copy);
    }

    /** A tensor of zeros (or empty strings) of this dtype and shape, e.g. for an empty batch. */
    public static Tensor zeros(DType dtype, long... shape) {
        long[] s = checkShape(shape);
        if (dtype == DType.STRING) {
            String[] v = new String[(int) elementCount(s)];
            Arrays.fill(v, "");
            return new Tensor(dtype, s, null, v);
        }
        return new Tensor(dtype, s, allocate(dtype, elementCount(s)), null);
    }

    // ---------------------------------------------------------------- shape and type

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The length of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The number of elements. */
    public long size() {
        return size;
    }

    /** The same data seen with another shape of equal element count, without a copy. */
    public Tensor reshape(long... newShape) {
        checkCount(size, newShape);
        return new Tensor(dtype, newShape.clone(), data, strings, lease);
    }

    /**
     * This tensor converted to {@code target}: itself when the dtype already matches, otherwise a
     * copy.
     *
     * @throws IllegalArgumentException when either side is a string
     */
    public Tensor castTo(DType target) {
        if (target == dtype) {
            return this;
        }
        requireNumeric(dtype);
        requireNumeric(target);
        ByteBuffer out = allocate(target, size);
        for (int i = 0; i < size; i++) {
            put(out, target, i, getDouble(i), getLong(i));
        }
        return new Tensor(target, shape.clone(), out, null);
    }

    // ---------------------------------------------------------------- data out

    /**
     * A read-only view of the data (native order, position 0), without a copy. The view of a {@link
     * Prediction}'s output is valid only until the prediction is closed: its bytes are then another
     * call's.
     *
     * @throws IllegalStateException for a string tensor, or an output of a closed prediction
     */
    public ByteBuffer buffer() {
        requireNumericState();
        return data.asReadOnlyBuffer().order(NATIVE);
    }

    /**
     * The tensor's own buffer (direct, native order, position 0), for the core's checks: no view is
     * made, and it is never handed out of the package.
     */
    ByteBuffer data() {
        requireNumericState();
        return data;
    }

    /** Whether this is a string tensor. */
    public boolean isString() {
        return dtype == DType.STRING;
    }

    /** The elements as float32, copied; int8, uint8, int16 and bool widen. */
    public float[] toFloatArray() {
        requireReadableAs(DType.FLOAT32);
        float[] out = new float[checkedSize()];
        if (dtype == DType.FLOAT32) {
            data.duplicate().order(NATIVE).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) getDouble(i);
            }
        }
        return out;
    }

    /** A 2-D tensor's elements as {@code float[rows][cols]}, copied. */
    public float[][] toFloatMatrix() {
        requireRank(2);
        float[] flat = toFloatArray();
        float[][] out = new float[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < out.length; r++) {
            System.arraycopy(flat, r * out[r].length, out[r], 0, out[r].length);
        }
        return out;
    }

    /** The elements as float64, copied; every numeric dtype converts. */
    public double[] toDoubleArray() {
        requireNumericState();
        double[] out = new double[checkedSize()];
        if (dtype == DType.FLOAT64) {
            data.duplicate().order(NATIVE).asDoubleBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getDouble(i);
            }
        }
        return out;
    }

    /** A 2-D tensor's elements as {@code double[rows][cols]}, copied. */
    public double[][] toDoubleMatrix() {
        requireRank(2);
        double[] flat = toDoubleArray();
        double[][] out = new double[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < out.length; r++) {
            System.arraycopy(flat, r * out[r].length, out[r], 0, out[r].length);
        }
        return out;
    }

    /** The elements as int64, copied; integer and bool dtypes convert. */
    public long[] toLongArray() {
        requireReadableAs(DType.INT64);
        long[] out = new long[checkedSize()];
        if (dtype == DType.INT64) {
            data.duplicate().order(NATIVE).asLongBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getLong(i);
            }
        }
        return out;
    }

    /** The elements as int32, copied; int8, uint8, int16 and bool widen. */
    public int[] toIntArray() {
        requireReadableAs(DType.INT32);
        int[] out = new int[checkedSize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) getLong(i);
        }
        return out;
    }

    /** The elements of a bool tensor, copied. */
    public boolean[] toBooleanArray() {
        if (dtype != DType.BOOL) {
            throw new IllegalStateException("tensor is " + dtype + ", not bool");
        }
        requireLive();
        boolean[] out = new boolean[checkedSize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i) != 0;
        }
        return out;
    }

    /** The elements of a string tensor, copied; numbers are formatted for other dtypes. */
    public String[] toStringArray() {
        requireLive();
        if (strings != null) {
            return strings.clone();
        }
        String[] out = new String[checkedSize()];
        for (int i = 0; i < out.length; i++) {
            out[i] =
                    dtype.isFloating()
                            ? Double.toString(getDouble(i))
                            : dtype == DType.BOOL
                                    ? Boolean.toString(getLong(i) != 0)
                                    : dtype == DType.UINT64
                                            ? Long.toUnsignedString(getLong(i))
                                            : Long.toString(getLong(i));
        }
        return out;
    }

    /**
     * Element {@code i} (row-major) of a string tensor, without copying the array.
     *
     * @throws IllegalStateException if the tensor is not a string tensor
     */
    public String getString(long i) {
        if (strings == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not string");
        }
        requireLive();
        return strings[Math.toIntExact(i)];
    }

    /** Element {@code i} (row-major) as a double. */
    public double getDouble(long i) {
        requireNumericState();
        int at = (int) (i * dtype.byteSize());
        switch (dtype) {
            case FLOAT32:
                return data.getFloat(at);
            case FLOAT64:
                return data.getDouble(at);
            case FLOAT16:
                return HalfFloats.fp16ToFloat(data.getShort(at));
            case BFLOAT16:
                return HalfFloats.bf16ToFloat(data.getShort(at));
            case UINT64:
                long bits = data.getLong(at);
                return bits >= 0 ? bits : (double) (bits >>> 1) * 2.0 + (bits & 1);
            default:
                return getLong(i);
        }
    }

    /**
     * Element {@code i} (row-major) as a long (floats are truncated; a uint64 keeps its bits, so
     * values past {@code Long.MAX_VALUE} read as negative: use {@link Long#toUnsignedString}).
     */
    public long getLong(long i) {
        requireNumericState();
        int at = (int) (i * dtype.byteSize());
        switch (dtype) {
            case INT8:
                return data.get(at);
            case UINT8:
                return data.get(at) & 0xFF;
            case BOOL:
                return data.get(at) != 0 ? 1 : 0;
            case INT16:
                return data.getShort(at);
            case INT32:
                return data.getInt(at);
            case INT64:
            case UINT64:
                return data.getLong(at);
            case UINT16:
                return data.getShort(at) & 0xFFFFL;
            case UINT32:
                return data.getInt(at) & 0xFFFFFFFFL;
            case FLOAT32:
            case FLOAT64:
            case FLOAT16:
            case BFLOAT16:
                return (long) getDouble(i);
            default:
                throw new IllegalStateException("unreachable: " + dtype);
        }
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + Arrays.toString(shape) + ")";
    }

    /**
     * The number of elements of a tensor of this shape: the product of its dimensions, 1 for a 0-d
     * shape. Every count of elements in jinfer is this one.
     *
     * @throws ArithmeticException if the product overflows a {@code long}
     */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Human form of a shape, {@code [-1, 4]}. */
    public static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    // ---------------------------------------------------------------- internals

    private static void put(ByteBuffer out, DType t, int i, double d, long l) {
        int at = i * t.byteSize();
        switch (t) {
            case FLOAT32:
                out.putFloat(at, (float) d);
                break;
            case FLOAT64:
                out.putDouble(at, d);
                break;
            case INT8:
            case UINT8:
                out.put(at, (byte) l);
                break;
            case BOOL:
                out.put(at, (byte) (d != 0 ? 1 : 0));
                break;
            case INT16:
                out.putShort(at, (short) l);
                break;
            case INT32:
                out.putInt(at, (int) l);
                break;
            case INT64:
            case UINT64:
                out.putLong(at, l);
                break;
            case UINT16:
                out.putShort(at, (short) l);
                break;
            case UINT32:
                out.putInt(at, (int) l);
                break;
            case FLOAT16:
                out.putShort(at, HalfFloats.floatToFp16((float) d));
                break;
            case BFLOAT16:
                out.putShort(at, HalfFloats.floatToBf16((float) d));
                break;
            default:
                throw new IllegalStateException("unreachable: " + t);
        }
    }

    private static ByteBuffer copyToNative(ByteBuffer src, DType dtype, int bytes) {
        ByteBuffer dst = ByteBuffer.allocateDirect(bytes).order(NATIVE);
        if (src.order() == NATIVE || dtype.byteSize() == 1) {
            dst.put(src);
        } else {
            switch (dtype.byteSize()) {
                case 2:
                    dst.asShortBuffer().put(src.asShortBuffer());
                    break;
                case 4:
                    dst.asIntBuffer().put(src.asIntBuffer());
                    break;
                case 8:
                    dst.asLongBuffer().put(src.asLongBuffer());
                    break;
                default:
                    throw new IllegalStateException("unreachable: " + dtype);
            }
        }
        dst.clear();
        return dst;
    }

    /**
     * A tensor's own memory, zeroed: direct, native order, position 0. A small one is cut from the
     * calling thread's slab, as {@code predict}'s outputs are ({@link OutputBuffers#FRESH}): a
     * direct buffer of its own costs about 0.5 µs (the JVM-wide direct-memory count, zeroing, a
     * cleaner), several times a cheap model's whole call, and a Java service that makes its inputs
     * row by row makes one per input per call.
     */
    static ByteBuffer allocate(DType dtype, long elements) {
        long bytes = elements * dtype.byteSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    dtype + " tensor of " + elements + " elements exceeds 2 GiB");
        }
        return OutputBuffers.FRESH.take((int) bytes);
    }

    private static long byteCount(DType dtype, long[] shape) {
        return elementCount(shape) * dtype.byteSize();
    }

    /** A copy of {@code shape}, which must have no negative dimension. */
    private static long[] checkShape(long[] shape) {
        return checkDimensions(shape).clone();
    }

    private static long[] checkDimensions(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        return shape;
    }

    private static long checkCount(long count, long[] shape) {
        long n = elementCount(checkDimensions(shape));
        if (n != count) {
            throw new IllegalArgumentException(
                    count
                            + " elements do not fill shape "
                            + Arrays.toString(shape)
                            + " ("
                            + n
                            + " elements)");
        }
        return n;
    }

    private interface RowLength {
        int of(int row);
    }

    private static int rectangular(int rows, int cols, RowLength len) {
        for (int i = 0; i < rows; i++) {
            if (len.of(i) != cols) {
                throw new IllegalArgumentException(
                        "row " + i + " has " + len.of(i) + " columns, row 0 has " + cols);
            }
        }
        return cols;
    }

    private static void requireNumeric(DType dtype) {
        Objects.requireNonNull(dtype, "dtype");
        if (dtype == DType.STRING) {
            throw new IllegalArgumentException(
                    "string tensors hold String[], not bytes; use Tensor.ofStrings");
        }
    }

    private void requireNumericState() {
        if (data == null) {
            throw new IllegalStateException("tensor is string; use toStringArray()");
        }
        requireLive();
    }

    private void requireLive() {
        if (lease != null && lease.isReleased()) {
            throw new IllegalStateException(
                    "tensor "
                            + this
                            + " is an output of a closed Prediction: its buffer is being reused."
                            + " Read or copy outputs inside try (Prediction p = model.run(...)),"
                            + " or use Model.predict, whose outputs live as long as you hold them");
        }
    }

    private void requireReadableAs(DType target) {
        requireNumericState();
        if (!dtype.canCastSafelyTo(target)) {
            throw new IllegalStateException(
                    "tensor is "
                            + dtype
                            + "; it cannot be read as "
                            + target
                            + " without loss (use castTo or another accessor)");
        }
    }

    private void requireRank(int r) {
        if (shape.length != r) {
            throw new IllegalStateException(
                    "tensor has rank "
                            + shape.length
                            + " "
                            + Arrays.toString(shape)
                            + ", expected rank "
                            + r);
        }
    }

    private int checkedSize() {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalStateException(
                    "tensor of " + size + " elements does not fit a Java array");
        }
        return (int) size;
    }
}
