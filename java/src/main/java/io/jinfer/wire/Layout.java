package io.jinfer.wire;

import io.jinfer.DType;
import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire format: how jinfer's two languages lay several numeric tensors out in one buffer, when
 * one call carries them all (the python backend's small results, the staging buffer of {@code
 * io.jinfer.bridge.FromPython#predictStaged}).
 *
 * <ul>
 *   <li>The tensors lie one after another, in the order both sides know (manifest order), the first
 *       at the buffer's first byte.
 *   <li>Each starts at the next multiple of 8 bytes ({@link #align8}); the padding between them is
 *       zero where jinfer writes it, and never read.
 *   <li>A tensor's bytes are its elements in C (row-major) order, in native byte order, {@link
 *       DType#byteSize()} each ({@code bool}: one byte, 0 or 1). Strings never travel this way.
 *   <li>Dtypes and shapes travel beside the buffer, never in it.
 * </ul>
 *
 * <p>Python's side ({@code jinfer._runtime.wire}) follows the same rule; the shared vector {@code
 * tests/conformance/layout/} pins it down byte for byte for both.
 */
public final class Layout {
    /** Where every tensor of a layout starts: at a multiple of this many bytes. */
    public static final int ALIGNMENT = 8;

    private Layout() {}

    /** {@code n} rounded up to a multiple of {@link #ALIGNMENT}: where the next tensor starts. */
    public static long align8(long n) {
        return (n + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * The bytes of a tensor of {@code dtype} and {@code shape}.
     *
     * @throws ArithmeticException if they overflow a {@code long}
     */
    public static long bytes(DType dtype, long[] shape) {
        return Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
    }

    /**
     * The tensor of {@code dtype} and {@code shape} lying at byte {@code at} of {@code buffer}: a
     * view, no copy. {@code buffer}'s own byte order is ignored (the wire is native order).
     *
     * @throws IndexOutOfBoundsException if the tensor runs past the buffer's capacity
     */
    public static Tensor view(ByteBuffer buffer, long at, DType dtype, long[] shape) {
        ByteBuffer slice = buffer.slice(Math.toIntExact(at), Math.toIntExact(bytes(dtype, shape)));
        return Tensor.wrap(slice.order(ByteOrder.nativeOrder()), dtype, shape);
    }

    /**
     * Copies a numeric tensor's bytes into {@code buffer} at byte {@code at}, and returns where the
     * next tensor starts. {@code buffer}'s position and limit are left as they were.
     *
     * @throws IllegalStateException for a string tensor
     * @throws IndexOutOfBoundsException if the tensor runs past the buffer's capacity
     */
    public static long put(ByteBuffer buffer, long at, Tensor tensor) {
        ByteBuffer data = tensor.buffer();
        buffer.duplicate().clear().position(Math.toIntExact(at)).put(data);
        return align8(at + bytes(tensor.dtype(), tensor.shape()));
    }
}
