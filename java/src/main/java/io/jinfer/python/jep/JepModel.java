package io.jinfer.python.jep;

import io.jinfer.DType;
import io.jinfer.Manifest;
import io.jinfer.TensorSpec;
import io.jinfer.python.PythonModel;
import io.jinfer.wire.Layout;

import jep.DirectNDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One model unpickled in the embedded CPython, called by any Java thread through that thread's
 * interpreter ({@link Interpreters}). The Python object lives in jinfer's host module, under a key.
 *
 * <p>Inputs cross without a copy: each input's direct buffer goes to Python as a {@link
 * DirectNDArray}, which numpy views in place (read-only). Outputs cross with one copy into memory
 * Java allocated: small results (the session's {@code small} buffer: numeric, fixed inner
 * dimensions, at most 16 KiB) into the calling thread's staging buffer, which Python has viewed
 * since the thread's first call, and from there into {@code small}; larger ones whose size the
 * batch fixes into one buffer made before the call; numeric ones with dynamic inner dimensions into
 * one buffer Python asks for once it knows their size ({@link Allocation}); strings come back as
 * lists. The buffers follow the wire format ({@link Layout}).
 */
final class JepModel implements PythonModel {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final JepRuntime runtime;
    private final long key;
    private final String manifestJson;
    private final List<TensorSpec> outputs;
    // the batch alone gives every input's shape (so it travels instead of the shapes)
    private final boolean byBatch;
    // every output's inner dimensions are fixed, so the batch gives the outputs' shapes too
    private final boolean fixed;
    // some numeric output has dynamic inner dimensions
    private final boolean dynamic;
    // some output goes into a buffer allocated before the call
    private final boolean packed;
    private final AtomicBoolean closed = new AtomicBoolean();

    JepModel(JepRuntime runtime, long key, Manifest manifest, String manifestJson) {
        this.runtime = runtime;
        this.key = key;
        this.manifestJson = manifestJson;
        this.outputs = manifest.outputs();
        this.byBatch = manifest.inputs().stream().allMatch(TensorSpec::hasFixedInnerDims);
        this.fixed = outputs.stream().allMatch(TensorSpec::hasFixedInnerDims);
        this.dynamic = outputs.stream().anyMatch(s -> isNumeric(s) && !s.hasFixedInnerDims());
        this.packed = outputs.stream().anyMatch(JepModel::isPacked);
    }

    /**
     * Runs one batch. Small results (the session's {@code small} buffer) are copied by Python into
     * this thread's staging buffer, which Python has viewed since the thread's first call, and from
     * there into {@code small}: a copy of at most 16 KiB costs less than making a numpy array over
     * a new buffer on every call (about 2 µs, as much as the rest of a small call's crossing).
     */
    @Override
    public Object[] predict(Object[] inputs, long[] shapes, ByteBuffer small) {
        long batch = shapes[0];
        ByteBuffer staging = small != null ? runtime.staging(small.capacity()) : null;
        ByteBuffer out = small != null ? small : packed ? packedBuffer(batch) : null;
        Allocation alloc = dynamic ? new Allocation() : null;
        Object[] args = new Object[4 + inputs.length];
        args[0] = key;
        args[1] = byBatch ? (Object) batch : shapes;
        args[2] = staging != null ? Boolean.TRUE : out == null ? null : array(out);
        args[3] = alloc;
        for (int i = 0; i < inputs.length; i++) {
            Object in = inputs[i];
            args[4 + i] = in instanceof ByteBuffer ? array((ByteBuffer) in) : in;
        }
        List<?> answer = JepRuntime.checked((List<?>) runtime.call(Interpreters.PREDICT, args));
        if (staging != null) {
            small.put(0, staging, 0, small.capacity());
            return null;
        }
        return small != null ? null : handedOver(batch, out, alloc, answer);
    }

    @Override
    public String manifestJson() {
        return manifestJson;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            runtime.call(Interpreters.DROP, key);
        }
    }

    /**
     * The outputs as {@link PythonModel#predict} hands them over: each a buffer (a slice of the
     * buffer it was copied into), a {@code String[]} or null, then their shapes unless the batch
     * fixes them all.
     */
    private Object[] handedOver(long batch, ByteBuffer out, Allocation alloc, List<?> answer) {
        int n = outputs.size();
        long[] dims = fixed ? null : longs((List<?>) answer.get(1));
        Object[] handed = new Object[fixed ? n : n + 1];
        long packedAt = 0;
        long dynamicAt = 0;
        int dimAt = 0;
        int string = 2;
        for (int i = 0; i < n; i++) {
            TensorSpec spec = outputs.get(i);
            long[] shape;
            if (dims == null) {
                shape = spec.concreteShape(batch);
            } else {
                shape = Arrays.copyOfRange(dims, dimAt, dimAt + spec.rank());
                dimAt += spec.rank();
            }
            if (spec.dtype() == DType.STRING) {
                handed[i] = ((List<?>) answer.get(string++)).toArray(new String[0]);
            } else if (isPacked(spec)) {
                packedAt = Layout.align8(packedAt);
                handed[i] = slice(out, packedAt, Layout.bytes(spec.dtype(), shape));
                packedAt += Layout.bytes(spec.dtype(), shape);
            } else {
                dynamicAt = Layout.align8(dynamicAt);
                handed[i] = slice(alloc.buffer, dynamicAt, Layout.bytes(spec.dtype(), shape));
                dynamicAt += Layout.bytes(spec.dtype(), shape);
            }
        }
        if (dims != null) {
            handed[n] = dims;
        }
        return handed;
    }

    /** One buffer for the outputs whose size the batch fixes, laid out in manifest order. */
    private ByteBuffer packedBuffer(long batch) {
        long end = 0;
        for (TensorSpec spec : outputs) {
            if (isPacked(spec)) {
                end = Layout.align8(end) + Layout.bytes(spec.dtype(), spec.concreteShape(batch));
            }
        }
        return ByteBuffer.allocateDirect(Math.toIntExact(end)).order(NATIVE);
    }

    private static boolean isNumeric(TensorSpec spec) {
        return spec.dtype() != DType.STRING;
    }

    private static boolean isPacked(TensorSpec spec) {
        return isNumeric(spec) && spec.hasFixedInnerDims();
    }

    private static ByteBuffer slice(ByteBuffer buffer, long at, long bytes) {
        return bytes == 0 ? null : buffer.slice((int) at, (int) bytes).order(NATIVE);
    }

    /** A {@code uint8} numpy array over {@code buffer}'s bytes, in place; null when it is empty. */
    private static DirectNDArray<ByteBuffer> array(ByteBuffer buffer) {
        int n = buffer.capacity();
        return n == 0 ? null : new DirectNDArray<>(buffer, true, n);
    }

    private static long[] longs(List<?> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).longValue();
        }
        return out;
    }

    /**
     * Memory for the outputs with dynamic inner dimensions: Python asks for it, once it knows their
     * size, and copies them in.
     */
    public static final class Allocation {
        private ByteBuffer buffer;

        /** A new direct buffer of {@code bytes} bytes, as a {@code uint8} numpy array. */
        public DirectNDArray<ByteBuffer> allocate(int bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(NATIVE);
            return new DirectNDArray<>(buffer, true, bytes);
        }
    }
}
