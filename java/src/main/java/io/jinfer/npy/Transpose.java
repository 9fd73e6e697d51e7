package io.jinfer.npy;

import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Turns Fortran-order data (read as the C order of the reversed shape) into C order. */
final class Transpose {
    private Transpose() {}

    /**
     * @param reversed the data in C order of {@code reversed(shape)}, i.e. Fortran order of shape
     * @param shape the array's shape
     * @return the same array in C order of {@code shape}
     */
    static Tensor reverseAxes(Tensor reversed, long[] shape) {
        int rank = shape.length;
        long n = Tensor.elementCount(shape);
        long[] srcStride = new long[rank]; // element stride of each destination axis in the source
        long s = 1;
        for (int d = 0; d < rank; d++) {
            srcStride[d] = s;
            s *= shape[d];
        }
        if (reversed.isString()) {
            String[] in = reversed.toStringArray();
            String[] out = new String[in.length];
            Odometer it = new Odometer(shape, srcStride);
            for (int i = 0; i < n; i++) {
                out[i] = in[(int) it.src];
                it.next();
            }
            return Tensor.ofStrings(out, shape);
        }
        int size = reversed.dtype().byteSize();
        ByteBuffer in = reversed.buffer();
        ByteBuffer out = ByteBuffer.allocateDirect((int) (n * size)).order(ByteOrder.nativeOrder());
        Odometer it = new Odometer(shape, srcStride);
        for (int i = 0; i < n; i++) {
            int from = (int) (it.src * size);
            int to = i * size;
            switch (size) {
                case 1:
                    out.put(to, in.get(from));
                    break;
                case 2:
                    out.putShort(to, in.getShort(from));
                    break;
                case 4:
                    out.putInt(to, in.getInt(from));
                    break;
                default:
                    out.putLong(to, in.getLong(from));
                    break;
            }
            it.next();
        }
        return Tensor.wrap(out, reversed.dtype(), shape);
    }

    /** Walks destination indices in C order, keeping the matching source offset. */
    private static final class Odometer {
        private final long[] shape;
        private final long[] stride;
        private final long[] idx;
        long src;

        Odometer(long[] shape, long[] stride) {
            this.shape = shape;
            this.stride = stride;
            this.idx = new long[shape.length];
        }

        void next() {
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d]++;
                src += stride[d];
                if (idx[d] < shape[d]) {
                    return;
                }
                src -= idx[d] * stride[d];
                idx[d] = 0;
            }
        }
    }
}
