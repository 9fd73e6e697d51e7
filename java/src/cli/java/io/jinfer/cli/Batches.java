package io.jinfer.cli;

import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Cuts a set of inputs that share a batch dimension into batches of rows. */
final class Batches {
    private Batches() {}

    /**
     * The batch size all inputs share, or -1 when they cannot be cut (a 0-d input, sizes differ).
     */
    static long rows(Map<String, Tensor> inputs) {
        long rows = -1;
        for (Tensor t : inputs.values()) {
            if (t.rank() == 0 || (rows >= 0 && t.dim(0) != rows)) {
                return -1;
            }
            rows = t.dim(0);
        }
        return rows;
    }

    /** Rows {@code [from, to)} of every input; numeric inputs are views, not copies. */
    static Map<String, Tensor> slice(Map<String, Tensor> inputs, long from, long to) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            out.put(e.getKey(), slice(e.getValue(), from, to));
        }
        return out;
    }

    static Tensor slice(Tensor t, long from, long to) {
        if (from == 0 && to == t.dim(0)) {
            return t;
        }
        long[] shape = t.shape();
        long perRow = shape[0] == 0 ? 0 : t.size() / shape[0];
        shape[0] = to - from;
        if (t.isString()) {
            String[] all = t.toStringArray();
            return Tensor.ofStrings(
                    Arrays.copyOfRange(all, (int) (from * perRow), (int) (to * perRow)), shape);
        }
        int size = t.dtype().byteSize();
        ByteBuffer b = t.buffer();
        b.position((int) (from * perRow * size));
        b.limit((int) (to * perRow * size));
        return Tensor.wrap(b.slice().order(ByteOrder.nativeOrder()), t.dtype(), shape);
    }
}
