package io.jinfer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Checks one call's inputs against the model's input specs, casting where it is safe. */
final class InputChecker {
    private final List<TensorSpec> specs;

    InputChecker(List<TensorSpec> specs) {
        this.specs = specs;
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
        for (String name : given.keySet()) {
            if (specFor(name) == null) {
                throw new InputException(
                        ErrorCode.UNKNOWN_INPUT,
                        "unknown input '" + name + "': the model takes " + names());
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        long batch = -1;
        String batchFrom = null;
        for (TensorSpec spec : specs) {
            Tensor t = given.get(spec.name());
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
            checkShape(spec, t);
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
            out.put(spec.name(), t);
        }
        return new Checked(out, batch);
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

    private static void checkShape(TensorSpec spec, Tensor t) {
        long[] want = spec.shape();
        long[] got = t.shape();
        if (want.length != got.length) {
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
            if (want[i] >= 0 && want[i] != got[i]) {
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
