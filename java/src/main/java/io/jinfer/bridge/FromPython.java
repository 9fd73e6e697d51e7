package io.jinfer.bridge;

import io.jinfer.BackendException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Model;
import io.jinfer.Prediction;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.wire.Layout;
import io.jinfer.wire.Strings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link Model#predict(Map)} as jinfer's Python package calls it ({@code jinfer.Model.predict}): in
 * one JPype crossing, with bare buffers both ways.
 *
 * <p>Each JPype conversion costs a microsecond or more. Building a {@code HashMap} of tensors from
 * Python and reading each result's dtype, shape and buffer one call at a time took about a dozen of
 * them per call; this takes three.
 */
public final class FromPython {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final AtomicBoolean COLLECTING = new AtomicBoolean();

    private FromPython() {}

    /**
     * Runs one batch.
     *
     * @param data the model's inputs in manifest order: a direct buffer over numpy's memory (any
     *     byte order is taken as native; null when the input has no elements); for a string input,
     *     a {@code String[]} or a direct buffer laid out as {@link Strings} says
     * @param meta for each input in turn: its dtype id, its rank, then its dimensions
     * @return the outputs in manifest order: a read-only direct buffer in native order (null when
     *     it has no elements); for a string output, a direct buffer laid out as {@link Strings}
     *     says, or a {@code String[]} when it has no elements or one Strings cannot carry;
     *     followed, when an output has a dynamic inner dimension, by one {@code long[]} of all
     *     their shapes one after another (otherwise the batch fixes them)
     * @throws io.jinfer.InputException if the inputs do not fit the specs, as {@link
     *     Model#predict(Map)}
     * @throws IllegalArgumentException if {@code data} and {@code meta} disagree
     */
    public static Object[] predict(Model model, Object[] data, long[] meta) {
        return pack(model.outputs(), model.predict(inputs(model, data, meta)));
    }

    /**
     * Runs one batch, as {@link #predict}, and copies the outputs into memory the caller keeps: a
     * buffer jinfer's Python package reuses per thread and model, from which it copies each output
     * into an array of its own. Fresh direct buffers per call ({@link #predict}) are freed only by
     * a collection, and wrapping fresh arrays per call costs JPype more than the copies: at batch
     * 10,000 either cost several times the model's own work. The outputs are written through the
     * model's pooled buffers ({@link Model#run}).
     *
     * @param out where the outputs go, in manifest order from byte 0, laid out as {@link Layout}
     *     says (each at the next multiple of 8 bytes)
     * @throws io.jinfer.BackendException if an output does not have its spec's shape for this
     *     batch, or the outputs do not fit in {@code out}
     */
    public static void predictInto(Model model, Object[] data, long[] meta, ByteBuffer out) {
        Map<String, Tensor> inputs = inputs(model, data, meta);
        long batch = batchOf(model.inputs(), inputs);
        long put = 0;
        try (Prediction prediction = model.run(inputs)) {
            Map<String, Tensor> outputs = prediction.outputs();
            for (TensorSpec spec : model.outputs()) {
                Tensor t = checked(spec, outputs.get(spec.name()), spec.concreteShape(batch));
                if (put + Layout.bytes(t.dtype(), t.shape()) > out.capacity()) {
                    throw new BackendException(
                            ErrorCode.BACKEND_FAILURE,
                            "the outputs need more than the " + out.capacity() + " bytes given");
                }
                put = Layout.put(out, put, t);
            }
        }
    }

    /**
     * Asks the JVM to collect, on a daemon thread of its own, and returns at once; a request made
     * while one runs is dropped. jinfer's Python package asks when Java may hold much numpy memory
     * through buffers it no longer uses: {@code System.gc()} on the caller's thread waits for a
     * whole concurrent cycle (about 0.1 s here), which a predict call must not.
     */
    public static void collectSoon() {
        if (COLLECTING.compareAndSet(false, true)) {
            Thread collector =
                    new Thread(
                            () -> {
                                try {
                                    System.gc();
                                } finally {
                                    COLLECTING.set(false);
                                }
                            },
                            "jinfer-collect");
            collector.setDaemon(true);
            collector.start();
        }
    }

    /** The inputs of {@link #predict}'s arguments, by name in manifest order. */
    private static Map<String, Tensor> inputs(Model model, Object[] data, long[] meta) {
        List<TensorSpec> specs = model.inputs();
        if (data.length != specs.size()) {
            throw new IllegalArgumentException(
                    "FromPython.predict: "
                            + data.length
                            + " inputs for a model that takes "
                            + specs.size());
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>(2 * specs.size());
        Shapes shapes = new Shapes(meta, 0);
        for (int i = 0; i < data.length; i++) {
            shapes.next();
            Object v = data[i];
            inputs.put(
                    specs.get(i).name(),
                    v instanceof String[]
                            ? Tensor.ofStrings((String[]) v, shapes.shape)
                            : v == null
                                    ? Tensor.zeros(shapes.dtype, shapes.shape)
                                    : shapes.dtype == DType.STRING
                                            ? Tensor.ofStrings(
                                                    Strings.decode(
                                                            (ByteBuffer) v,
                                                            Math.toIntExact(
                                                                    Tensor.elementCount(
                                                                            shapes.shape))),
                                                    shapes.shape)
                                            : Tensor.wrap(
                                                    ((ByteBuffer) v).order(NATIVE),
                                                    shapes.dtype,
                                                    shapes.shape));
        }
        return inputs;
    }

    /** The batch dimension of the first batched input, as Model counts it (1 when none is). */
    private static long batchOf(List<TensorSpec> specs, Map<String, Tensor> inputs) {
        for (TensorSpec spec : specs) {
            long[] shape = inputs.get(spec.name()).shape();
            if (spec.isBatched() && shape.length > spec.batchDim()) {
                return shape[spec.batchDim()];
            }
        }
        return 1;
    }

    /** {@code t}, if it is numeric and has {@code shape}, {@code spec}'s shape for this batch. */
    static Tensor checked(TensorSpec spec, Tensor t, long[] shape) {
        if (!Arrays.equals(t.shape(), shape) || t.isString()) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "output '"
                            + spec.name()
                            + "' is "
                            + t
                            + " but the manifest declares "
                            + spec.dtype()
                            + " "
                            + Tensor.shapeString(shape));
        }
        return t;
    }

    /**
     * Runs one small batch through one staging buffer, which jinfer's Python package keeps per
     * thread and model: the inputs are copied into it, and the outputs out of it, which for a few
     * kilobytes costs less than handing buffers over and reading them back through JPype.
     *
     * @param stage the staging buffer: the numeric inputs in manifest order from byte 0, each at
     *     the next multiple of 8 bytes; the outputs are written the same way from byte {@code
     *     meta[0]}
     * @param meta the outputs' offset in {@code stage}, then for each input its dtype id, its rank
     *     and its dimensions
     * @throws io.jinfer.InputException if the inputs do not fit the specs, as {@link
     *     Model#predict(Map)}
     * @throws io.jinfer.BackendException if an output does not have its spec's shape for this
     *     batch, or the outputs do not fit in {@code stage}
     */
    public static void predictStaged(Model model, ByteBuffer stage, long[] meta) {
        staged(model, stage, meta).run();
    }

    /**
     * {@link #predictStaged(Model, ByteBuffer, long[])} for a model with string inputs too: a
     * string input takes no room in {@code stage} (the wire carries numbers only); its elements
     * come next in {@code strings}, which holds every string input's elements one input after
     * another, in manifest order, each in C order (one array: each JPype array costs microseconds).
     *
     * @throws IllegalArgumentException if {@code strings} holds fewer elements than the string
     *     inputs' shapes say
     */
    public static void predictStaged(Model model, ByteBuffer stage, long[] meta, String[] strings) {
        staged(model, stage, meta).run(strings);
    }

    /**
     * {@link #predictStaged(Model, ByteBuffer, long[], String[])} with the string inputs' elements
     * in one buffer laid out as {@link Strings} says: for more than a few strings, JPype makes a
     * {@code String[]} element by element (565 µs for 3,072 strings, against 100 µs for the buffer
     * and its decoding here).
     *
     * @throws IllegalArgumentException if {@code strings} does not hold as many strings as the
     *     string inputs' shapes say, or holds bytes that are not UTF-8
     */
    public static void predictStaged(
            Model model, ByteBuffer stage, long[] meta, ByteBuffer strings) {
        staged(model, stage, meta).run(strings);
    }

    /**
     * One layout of a staging buffer, read once, to run batch after batch: what {@link
     * #predictStaged(Model, ByteBuffer, long[])} does at each call, less reading {@code meta} and
     * making a view of the buffer per input. jinfer's Python package keeps one per thread, model
     * and layout of inputs.
     *
     * @param stage the staging buffer, as {@code predictStaged} takes it
     * @param meta the outputs' offset in {@code stage}, then each input's dtype id, rank and
     *     dimensions, as {@code predictStaged} takes it
     * @throws IllegalArgumentException if the inputs run past the outputs' offset
     */
    public static StagedCall staged(Model model, ByteBuffer stage, long[] meta) {
        return new StagedCall(model, stage, meta);
    }

    /**
     * Reads {@code [dtype id, rank, dimensions...]} entries from a {@code long[]}, one at a time.
     */
    private static final class Shapes {
        private final long[] meta;
        private int at;
        DType dtype;
        long[] shape;

        Shapes(long[] meta, int from) {
            this.meta = meta;
            this.at = from;
        }

        void next() {
            dtype = DType.fromId((int) meta[at]);
            int rank = (int) meta[at + 1];
            shape = Arrays.copyOfRange(meta, at + 2, at + 2 + rank);
            at += 2 + rank;
        }
    }

    /**
     * A string output as {@link Strings} lays it out, or as a {@code String[]} when it cannot be.
     */
    private static Object strings(Tensor t) {
        String[] values = t.toStringArray();
        ByteBuffer b = values.length == 0 ? null : Strings.encode(values);
        return b == null ? values : b;
    }

    private static Object[] pack(List<TensorSpec> specs, Map<String, Tensor> out) {
        // shapes travel back unless every output is [batch, fixed...] or a scalar (Python's rule)
        boolean dynamic =
                specs.stream()
                        .anyMatch(
                                s -> !s.hasFixedInnerDims() || (s.rank() > 0 && s.batchDim() != 0));
        Object[] result = new Object[specs.size() + (dynamic ? 1 : 0)];
        long[] dims = new long[dynamic ? specs.stream().mapToInt(TensorSpec::rank).sum() : 0];
        int at = 0;
        for (int i = 0; i < specs.size(); i++) {
            Tensor t = out.get(specs.get(i).name());
            result[i] = t.isString() ? strings(t) : t.size() == 0 ? null : t.buffer();
            if (dynamic) {
                System.arraycopy(t.shape(), 0, dims, at, t.rank());
                at += t.rank();
            }
        }
        if (dynamic) {
            result[specs.size()] = dims;
        }
        return result;
    }
}
