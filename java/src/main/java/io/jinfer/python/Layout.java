package io.jinfer.python;

import io.jinfer.DType;
import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How the two sides of a call lay several tensors out in one buffer (the python backend's small
 * results, the staging buffer of {@link FromPython#predictStaged}): one after another in manifest
 * order, each at the next multiple of 8 bytes. {@code jinfer._model} and {@code jinfer._pyruntime}
 * follow the same rule ({@code jinfer.tensor._align8}).
 */
final class Layout {
    private Layout() {}

    /** {@code n} rounded up to a multiple of 8. */
    static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /** The bytes of a tensor of {@code dtype} and {@code shape}. */
    static long bytes(DType dtype, long[] shape) {
        return Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
    }

    /**
     * The tensor of {@code dtype} and {@code shape} lying at byte {@code at} of {@code buffer}: a
     * view, no copy.
     */
    static Tensor view(ByteBuffer buffer, long at, DType dtype, long[] shape) {
        ByteBuffer slice = buffer.slice((int) at, Math.toIntExact(bytes(dtype, shape)));
        return Tensor.wrap(slice.order(ByteOrder.nativeOrder()), dtype, shape);
    }
}
