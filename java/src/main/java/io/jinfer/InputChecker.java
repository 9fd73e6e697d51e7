package io.jinfer;

import io.jinfer.spi.NamedTensors;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks one call's inputs against the model's input specs, casting where it is safe, and refuses
 * NaN and infinities in floating inputs unless the model allows them.
 */
final class InputChecker {
    private static final int FLOAT_EXPONENT = 0x7f800000;
    private static final long DOUBLE_EXPONENT = 0x7ff0000000000000L;

    private final List<TensorSpec> specs;
    // the same, read once per call without an iterator; and each spec's shape, not copied per call
    private final TensorSpec[] specArray;
    private final String[] specNames; // the specs' names, in spec order
    private final long[][] shapes;
    private final boolean allowNonFinite;

    InputChecker(List<TensorSpec> specs, boolean allowNonFinite) {
        this.specs = specs;
        this.specArray = specs.toArray(new TensorSpec[0]);
        this.specNames = specs.stream().map(TensorSpec::name).toArray(String[]::new);
        this.shapes = new long[specArray.length][];
        for (int i = 0; i < specArray.length; i++) {
            shapes[i] = specArray[i].shape();
        }
        this.allowNonFinite = allowNonFinite;
    }

    /**
     * The checked inputs, in spec order, cast to the spec dtypes; and the batch size.
     *
     * @param inputs the inputs by name, in spec order
     * @param batch the length of the batched inputs' batch dimension, or -1 when no input has one
     *     (every input a scalar or a side input)
     */
    record Checked(Map<String, Tensor> inputs, long batch) {}

    Checked check(Map<String, Tensor> given) {
        if (given == null) {
            throw new InputException(
                    ErrorCode.MISSING_INPUT, "inputs: expected a map of " + names() + ", got null");
        }
        Tensor[] tensors = new Tensor[specArray.length];
        boolean complete = given.size() == specArray.length;
        for (int i = 0; i < specArray.length; i++) {
            tensors[i] = given.get(specArray[i].name());
            complete &= tensors[i] != null;
        }
        if (!complete) { // then a name is unknown, or one is missing
            checkNames(given);
        }
        long batch = -1;
        String batchFrom = null;
        for (int i = 0; i < specArray.length; i++) {
            TensorSpec spec = specArray[i];
            Tensor t = tensors[i];
            if (t == null) {
                throw new InputException(
                        ErrorCode.MISSING_INPUT,
                        "missing input '"
                                + spec.name()
                                + "': expected "
                                + spec.dtype()
                                + " "
                                + Tensor.shapeString(spec.shape())
                                + "; got inputs "
                                + new TreeSet<>(given.keySet()));
            }
            t = checkDtype(spec, t);
            checkShape(spec, shapes[i], t);
            if (!allowNonFinite) {
                checkFinite(spec, t);
            }
            if (spec.isBatched()) {
                long rows = t.dim(spec.batchDim());
                if (batch >= 0 && rows != batch) {
                    throw new InputException(
                            ErrorCode.SHAPE_MISMATCH,
                            "input '"
                                    + spec.name()
                                    + "' has batch size "
                                    + rows
                                    + " but input '"
                                    + batchFrom
                                    + "' has "
                                    + batch
                                    + "; all batched inputs need the same batch");
                }
                batch = rows;
                batchFrom = spec.name();
            }
            tensors[i] = t;
        }
        return new Checked(new NamedTensors(specNames, tensors), batch);
    }

    /** Refuses the first name of {@code given} that is no input of the model. */
    private void checkNames(Map<String, Tensor> given) {
        for (String name : given.keySet()) {
            if (specFor(name) == null) {
                throw new InputException(
                        ErrorCode.UNKNOWN_INPUT,
                        "unknown input '" + name + "': the model takes " + names());
            }
        }
    }

    private static Tensor checkDtype(TensorSpec spec, Tensor t) {
        if (t.dtype() == spec.dtype()) {
            return t;
        }
        if (t.dtype().canCastSafelyTo(spec.dtype())) {
            return t.castTo(spec.dtype());
        }
        throw new InputException(
                ErrorCode.DTYPE_MISMATCH,
                "input '"
                        + spec.name()
                        + "': expected dtype "
                        + spec.dtype()
                        + ", got "
                        + t.dtype()
                        + ", which cannot be cast to "
                        + spec.dtype()
                        + " without loss; convert it first");
    }

    /**
     * Refuses a NaN or an infinity in a floating tensor, naming the first one's row (and column of
     * a 2-D input). A number is not finite when its exponent bits are all ones.
     */
    private static void checkFinite(TensorSpec spec, Tensor t) {
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
            return;
        }
        // the tensor's own buffer (native order, position 0), read with absolute gets only
        ByteBuffer data = t.data();
        long at = t.dtype() == DType.FLOAT32 ? firstNonFinite32(data) : firstNonFinite64(data);
        if (at >= 0) {
            throw new InputException(ErrorCode.INVALID_VALUE, nonFinite(spec, t, at));
        }
    }

    /** Longs scanned before a chunk's verdict is read (a branch-free loop between verdicts). */
    private static final int CHUNK = 1024;

    /** Both float32 exponents of a long holding two; each half's sum carries into its sign bit. */
    private static final long PAIR_EXPONENTS = 0x7f8000007f800000L;

    private static final long PAIR_CARRY = 0x0080000000800000L;
    private static final long PAIR_SIGNS = 0x8000000080000000L;

    /**
     * The index of the first float32 whose exponent bits are all ones, or -1. The buffer is read a
     * long (two floats) at a time, in place: adding the lowest exponent bit to a half's exponent
     * carries into that half's sign bit only when every exponent bit is set, and no half's sum
     * reaches the other, so one OR over a chunk tells whether the chunk holds one. (Copying chunks
     * into an {@code int[]} first took about 0.6 ns a float here; this reads memory once.)
     */
    private static long firstNonFinite32(ByteBuffer in) {
        int base = in.position();
        int n = in.remaining() / 4;
        int pairs = n / 2;
        for (int start = 0; start < pairs; start += CHUNK) {
            int end = Math.min(pairs, start + CHUNK);
            long acc = 0;
            for (int i = start; i < end; i++) {
                acc |= (in.getLong(base + 8 * i) & PAIR_EXPONENTS) + PAIR_CARRY;
            }
            if ((acc & PAIR_SIGNS) != 0) {
                for (int i = 2 * start; i < 2 * end; i++) {
                    if ((in.getInt(base + 4 * i) & FLOAT_EXPONENT) == FLOAT_EXPONENT) {
                        return i;
                    }
                }
            }
        }
        if (n % 2 == 1 && (in.getInt(base + 4 * (n - 1)) & FLOAT_EXPONENT) == FLOAT_EXPONENT) {
            return n - 1;
        }
        return -1;
    }

    /** {@link #firstNonFinite32} for float64: a long per element, read in place. */
    private static long firstNonFinite64(ByteBuffer in) {
        int base = in.position();
        int n = in.remaining() / 8;
        for (int start = 0; start < n; start += CHUNK) {
            int end = Math.min(n, start + CHUNK);
            long acc = 0;
            for (int i = start; i < end; i++) {
                acc |= (in.getLong(base + 8 * i) & DOUBLE_EXPONENT) + 0x0010000000000000L;
            }
            if (acc < 0) {
                for (int i = start; i < end; i++) {
                    if ((in.getLong(base + 8 * i) & DOUBLE_EXPONENT) == DOUBLE_EXPONENT) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    private static String nonFinite(TensorSpec spec, Tensor t, long at) {
        double v = t.getDouble(at);
        long[] index = new long[t.rank()]; // the element's place in the (C-order) tensor
        long rest = at;
        for (int d = t.rank() - 1; d >= 0; d--) {
            long dim = Math.max(1, t.dim(d));
            index[d] = rest % dim;
            rest /= dim;
        }
        int batch = spec.batchDim();
        String where = "";
        if (batch >= 0 && batch < index.length) {
            where = ", row " + index[batch];
        }
        if (index.length == 2 && batch == 0) {
            long col = index[1];
            where +=
                    spec.columns() != null && col < spec.columns().size()
                            ? ", column " + col + " ('" + spec.columns().get((int) col) + "')"
                            : ", column " + col;
        } else if (index.length > 0 && !(index.length == 1 && batch == 0)) {
            where += ", element " + Arrays.toString(index);
        }
        return "input '"
                + spec.name()
                + "'"
                + where
                + ": "
                + (Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf")
                + " is refused, as scikit-learn refuses it (the backends would each answer"
                + " something else); a model that handles missing values can take it when loaded"
                + " with LoadOptions.builder().allowNonFinite(true) (Python:"
                + " allow_non_finite=True)";
    }

    private static void checkShape(TensorSpec spec, long[] want, Tensor t) {
        if (want.length != t.rank()) {
            long[] got = t.shape();
            throw new InputException(
                    ErrorCode.RANK_MISMATCH,
                    "input '"
                            + spec.name()
                            + "': expected rank "
                            + want.length
                            + " "
                            + Arrays.toString(want)
                            + ", got rank "
                            + got.length
                            + " "
                            + Arrays.toString(got));
        }
        for (int i = 0; i < want.length; i++) {
            if (want[i] >= 0 && want[i] != t.dim(i)) {
                long[] got = t.shape();
                throw new InputException(
                        ErrorCode.SHAPE_MISMATCH,
                        "input '"
                                + spec.name()
                                + "': dimension "
                                + i
                                + " expected "
                                + want[i]
                                + ", got "
                                + got[i]
                                + " (expected shape "
                                + Arrays.toString(want)
                                + ", got "
                                + Arrays.toString(got)
                                + ")");
            }
        }
    }

    private TensorSpec specFor(String name) {
        for (TensorSpec s : specs) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private String names() {
        StringBuilder b = new StringBuilder("[");
        for (TensorSpec s : specs) {
            b.append(b.length() > 1 ? ", " : "").append(s);
        }
        return b.append(']').toString();
    }
}
