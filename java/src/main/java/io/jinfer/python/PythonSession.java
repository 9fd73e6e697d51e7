package io.jinfer.python;

import io.jinfer.BackendException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.spi.BackendSession;
import io.jinfer.wire.Layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Python model, called through {@link PythonModel}. Either host takes the GIL for each call
 * (JPype; Jep through each thread's own interpreter), so any Java thread may call.
 *
 * <p>Each JPype conversion costs a microsecond or more, so a call is shaped to need few: inputs
 * travel as their bare buffers, their dtypes come from the manifest, and all their shapes share one
 * {@code long[]}. Results come back as direct buffers over numpy's memory, without a copy, except
 * small ones: when every output is numeric, has fixed inner dimensions and all of them take at most
 * {@link #SMALL_OUTPUT_BYTES} bytes, this session allocates one buffer for them and Python copies
 * its results into it, which costs less than pinning numpy memory for Java.
 */
final class PythonSession implements BackendSession {
    /**
     * The largest result copied into a buffer Java allocated: a two-class classifier at batch
     * 1,000.
     */
    static final long SMALL_OUTPUT_BYTES = 16 << 10;

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final PythonModel model;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final int inputDims; // the inputs' ranks summed: checked inputs have the specs' ranks
    private final long[]
            rowBytes; // bytes per batch row of each output; null if any has no fixed row size

    PythonSession(PythonModel model, Manifest manifest) {
        this.model = model;
        this.inputs = manifest.inputs();
        this.outputs = manifest.outputs();
        this.inputDims = inputs.stream().mapToInt(TensorSpec::rank).sum();
        this.rowBytes = rowBytes(outputs);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> in, long batch) {
        Object[] data = new Object[inputs.size()];
        long[] shapes = new long[inputDims];
        int at = 0;
        for (int i = 0; i < data.length; i++) {
            Tensor t = in.get(inputs.get(i).name());
            data[i] = t.isString() ? t.toStringArray() : t.buffer();
            long[] shape = t.shape();
            System.arraycopy(shape, 0, shapes, at, shape.length);
            at += shape.length;
        }
        ByteBuffer small = smallOutputs(batch);
        Object[] result = model.predict(data, shapes, small);
        return small != null ? fromSmall(small, batch) : handedOver(result, batch);
    }

    @Override
    public void close() {
        model.close();
    }

    /**
     * One buffer for all outputs, each at a multiple of 8 bytes, or null when they are not small.
     */
    private ByteBuffer smallOutputs(long batch) {
        if (rowBytes == null) {
            return null;
        }
        long end = 0;
        for (long row : rowBytes) {
            end = Layout.align8(end) + batch * row;
        }
        return end <= SMALL_OUTPUT_BYTES
                ? ByteBuffer.allocateDirect((int) end).order(NATIVE)
                : null;
    }

    private Map<String, Tensor> fromSmall(ByteBuffer small, long batch) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        long at = 0;
        for (int i = 0; i < outputs.size(); i++) {
            TensorSpec spec = outputs.get(i);
            at = Layout.align8(at);
            out.put(spec.name(), Layout.view(small, at, spec.dtype(), spec.concreteShape(batch)));
            at += batch * rowBytes[i];
        }
        return out;
    }

    /**
     * Outputs handed over by Python: buffers wrapped where they lie. Their shapes follow from the
     * batch when every output has fixed inner dimensions, else they come in a trailing long[].
     */
    private Map<String, Tensor> handedOver(Object[] result, long batch) {
        int n = outputs.size();
        boolean withDims = result != null && result.length == n + 1 && result[n] instanceof long[];
        if (result == null || (result.length != n && !withDims)) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "the Python runtime returned "
                            + (result == null ? "null" : result.length + " values")
                            + " for "
                            + n
                            + " outputs");
        }
        long[] dims = withDims ? (long[]) result[n] : null;
        Map<String, Tensor> out = new LinkedHashMap<>();
        int at = 0;
        for (int i = 0; i < n; i++) {
            TensorSpec spec = outputs.get(i);
            long[] shape;
            if (dims != null) {
                shape = Arrays.copyOfRange(dims, at, at + spec.rank());
                at += spec.rank();
            } else if (spec.hasFixedInnerDims() && (batch >= 0 || !spec.isBatched())) {
                shape = spec.concreteShape(batch);
            } else {
                throw new BackendException(
                        ErrorCode.BACKEND_FAILURE,
                        "the Python runtime returned no shape for "
                                + "output '"
                                + spec.name()
                                + "', whose inner dimensions are dynamic");
            }
            Object v = result[i];
            Tensor t;
            if (v instanceof String[]) {
                t = Tensor.ofStrings((String[]) v, shape);
            } else if (v == null) {
                t = Tensor.zeros(spec.dtype(), shape);
            } else {
                t = Tensor.wrap(((ByteBuffer) v).order(NATIVE), spec.dtype(), shape);
            }
            out.put(spec.name(), t);
        }
        return out;
    }

    private static long[] rowBytes(List<TensorSpec> specs) {
        long[] rows = new long[specs.size()];
        for (int i = 0; i < rows.length; i++) {
            TensorSpec spec = specs.get(i);
            if (spec.dtype() == DType.STRING || spec.batchDim() != 0 || !spec.hasFixedInnerDims()) {
                return null;
            }
            rows[i] = Layout.bytes(spec.dtype(), Arrays.copyOfRange(spec.shape(), 1, spec.rank()));
        }
        return rows;
    }
}
