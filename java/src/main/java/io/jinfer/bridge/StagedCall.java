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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One layout of a staging buffer ({@link FromPython#staged}), read once and then run batch after
 * batch. jinfer's Python package keeps one per thread, model and layout of inputs (the plan it
 * caches for that layout), so a call parses no shapes and builds no map: the numeric inputs are
 * views of the buffer made here, which {@link Model#predict(Map)} reads afresh at each call (Java
 * keeps no input after a call returns), and only the string inputs' tensors are new each time.
 *
 * <p>Not for concurrent use: like its staging buffer, it belongs to one thread.
 */
public final class StagedCall {
    private static final String[] NO_STRINGS = {};

    /**
     * The largest output {@link Model#predict(Map)} cuts from the calling thread's slab of direct
     * memory ({@code io.jinfer.spi.FreshSlabs}, which this layer may not import) rather than
     * allocating it alone.
     */
    static final long SLAB_CUT_BYTES = 16 << 10;

    private final Model model;
    private final ByteBuffer stage;
    private final long outputsAt;
    private final Map<String, Tensor> inputs;
    private final TensorSpec[] texts; // the string inputs, in manifest order
    private final long[][] textShapes;
    private final int strings; // the string inputs' elements, all of them
    private final long[][] outputShapes; // each output's shape for this layout's batch
    private final boolean pooled; // whether the outputs go through Model.run's pool

    /**
     * Reads {@code meta} as {@link FromPython#predictStaged(Model, ByteBuffer, long[])} does.
     *
     * @throws IllegalArgumentException if the numeric inputs run past the outputs' offset
     */
    StagedCall(Model model, ByteBuffer stage, long[] meta) {
        this.model = model;
        this.stage = stage;
        this.outputsAt = meta[0];
        List<TensorSpec> specs = model.inputs();
        inputs = new HashMap<>(2 * specs.size());
        texts = new TensorSpec[specs.size()];
        textShapes = new long[specs.size()][];
        int at = 1;
        int nTexts = 0;
        long put = 0;
        long strings = 0;
        long batch = -1; // the batch dimension of the first batched input, as Model counts it
        for (TensorSpec spec : specs) {
            DType dtype = DType.fromId((int) meta[at]);
            int rank = (int) meta[at + 1];
            long[] shape = Arrays.copyOfRange(meta, at + 2, at + 2 + rank);
            at += 2 + rank;
            if (batch < 0 && spec.isBatched() && rank > spec.batchDim()) {
                batch = shape[spec.batchDim()];
            }
            if (dtype == DType.STRING) {
                texts[nTexts] = spec;
                textShapes[nTexts++] = shape;
                strings += Tensor.elementCount(shape);
                continue;
            }
            long bytes = Layout.bytes(dtype, shape);
            if (put + bytes > outputsAt) {
                throw new IllegalArgumentException(
                        "FromPython.predictStaged: the inputs run past the outputs' offset "
                                + outputsAt);
            }
            inputs.put(spec.name(), Layout.view(stage, put, dtype, shape));
            put = Layout.align8(put + bytes);
        }
        this.strings = Math.toIntExact(strings);
        long b = batch < 0 ? 1 : batch;
        outputShapes = model.outputs().stream().map(s -> s.concreteShape(b)).toArray(long[][]::new);
        boolean small = true;
        for (int i = 0; i < outputShapes.length; i++) {
            DType dtype = model.outputs().get(i).dtype();
            small &=
                    dtype != DType.STRING && Layout.bytes(dtype, outputShapes[i]) <= SLAB_CUT_BYTES;
        }
        // predict's small outputs cost less than a lease of the pool's (a slab cut each, no queue);
        // a larger one would be a direct buffer of its own per call, freed only by a collection
        pooled = !small;
    }

    /** Runs the batch the buffer holds, for a model with no string inputs. */
    public void run() {
        run(NO_STRINGS);
    }

    /**
     * Runs the batch the buffer holds, with the string inputs' elements one input after another, in
     * manifest order, each in C order (one array: each JPype array costs microseconds).
     *
     * @throws IllegalArgumentException if {@code strings} holds fewer elements than the string
     *     inputs' shapes say
     */
    public void run(String[] strings) {
        int next = 0;
        for (int i = 0; i < texts.length && texts[i] != null; i++) {
            int count = Math.toIntExact(Tensor.elementCount(textShapes[i]));
            if (next + count > strings.length) {
                throw new IllegalArgumentException(
                        "FromPython.predictStaged: too few strings for input '"
                                + texts[i].name()
                                + "'");
            }
            String[] mine =
                    next == 0 && count == strings.length
                            ? strings
                            : Arrays.copyOfRange(strings, next, next + count);
            inputs.put(texts[i].name(), Tensor.ofStrings(mine, textShapes[i]));
            next += count;
        }
        // the outputs are copied out before the buffers go back to the model's pool
        try (Prediction prediction = pooled ? model.run(inputs) : null) {
            copyOut(prediction == null ? model.predict(inputs) : prediction.outputs());
        } finally {
            for (int i = 0; i < texts.length && texts[i] != null; i++) {
                inputs.remove(texts[i].name()); // the caller's strings are not kept
            }
        }
    }

    private void copyOut(Map<String, Tensor> out) {
        long put = outputsAt;
        List<TensorSpec> specs = model.outputs();
        for (int i = 0; i < outputShapes.length; i++) {
            TensorSpec spec = specs.get(i);
            Tensor t = FromPython.checked(spec, out.get(spec.name()), outputShapes[i]);
            if (put + Layout.bytes(t.dtype(), t.shape()) > stage.capacity()) {
                throw new BackendException(
                        ErrorCode.BACKEND_FAILURE,
                        "the outputs need more than the "
                                + (stage.capacity() - outputsAt)
                                + " bytes of the staging buffer");
            }
            put = Layout.put(stage, put, t);
        }
    }

    /**
     * {@link #run(String[])} with the string inputs' elements in one buffer laid out as {@link
     * Strings} says: for more than a few strings, JPype makes a {@code String[]} element by element
     * (565 µs for 3,072 strings, against 100 µs for the buffer and its decoding here).
     *
     * @throws IllegalArgumentException if {@code strings} does not hold as many strings as the
     *     string inputs' shapes say, or holds bytes that are not UTF-8
     */
    public void run(ByteBuffer strings) {
        run(Strings.decode(strings, this.strings));
    }
}
