package io.jinfer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Joins several calls' inputs along the batch dimension, and cuts a joined result back apart. */
final class Rows {
    private Rows() {}

    /**
     * One tensor per spec: the calls' tensors of that name, one after another along dimension 0.
     * Every call holds the spec's dtype and the same dimensions after the first (the caller
     * checks).
     */
    static Map<String, Tensor> concat(List<Map<String, Tensor>> calls, List<TensorSpec> specs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec spec : specs) {
            Tensor first = calls.get(0).get(spec.name());
            long[] shape = first.shape();
            long rows = 0;
            long elements = 0;
            for (Map<String, Tensor> call : calls) {
                Tensor t = call.get(spec.name());
                rows += t.dim(0);
                elements += t.size();
            }
            shape[0] = rows;
            out.put(spec.name(), concat(calls, spec.name(), first.dtype(), shape, elements));
        }
        return out;
    }

    private static Tensor concat(
            List<Map<String, Tensor>> calls, String name, DType dtype, long[] shape, long n) {
        if (dtype == DType.STRING) {
            String[] all = new String[Math.toIntExact(n)];
            int at = 0;
            for (Map<String, Tensor> call : calls) {
                String[] part = call.get(name).toStringArray();
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            return Tensor.ofStrings(all, shape);
        }
        ByteBuffer joined = Tensor.allocate(dtype, n);
        for (Map<String, Tensor> call : calls) {
            joined.put(call.get(name).buffer());
        }
        joined.flip();
        return Tensor.wrap(joined, dtype, shape);
    }

    /**
     * The joined result cut back into the calls' parts: part {@code i} holds the next {@code
     * rows[i]} rows of every tensor. Numeric parts are views of the joined memory, not copies.
     */
    static List<Map<String, Tensor>> split(Map<String, Tensor> joined, long[] rows) {
        List<Map<String, Tensor>> parts = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            parts.add(new LinkedHashMap<>());
        }
        for (Map.Entry<String, Tensor> e : joined.entrySet()) {
            Tensor t = e.getValue();
            long perRow = t.dim(0) == 0 ? 0 : t.size() / t.dim(0);
            String[] strings = t.isString() ? t.toStringArray() : null;
            ByteBuffer data = t.isString() ? null : t.buffer();
            int size = t.dtype().byteSize();
            long from = 0;
            for (int i = 0; i < rows.length; i++) {
                long[] shape = t.shape();
                shape[0] = rows[i];
                int start = Math.toIntExact(from * perRow);
                int end = Math.toIntExact((from + rows[i]) * perRow);
                Tensor part;
                if (strings != null) {
                    part = Tensor.ofStrings(Arrays.copyOfRange(strings, start, end), shape);
                } else {
                    ByteBuffer view = data.duplicate();
                    view.limit(end * size).position(start * size);
                    part =
                            Tensor.wrap(
                                    view.slice().order(ByteOrder.nativeOrder()), t.dtype(), shape);
                }
                parts.get(i).put(e.getKey(), part);
                from += rows[i];
            }
        }
        List<Map<String, Tensor>> out = new ArrayList<>(rows.length);
        for (Map<String, Tensor> part : parts) {
            out.add(Collections.unmodifiableMap(part));
        }
        return out;
    }
}
