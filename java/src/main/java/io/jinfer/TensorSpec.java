package io.jinfer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The declared name, dtype and shape of a model input or output. A dimension of {@code -1} is
 * dynamic. {@link #batchDim()} is the dimension that counts the batch's rows (the first, unless the
 * manifest says otherwise), or {@code -1} for a tensor with none: a scalar, or a side input such as
 * a shape, which keeps its size whatever the batch. {@link #columns()} names the columns of a
 * tabular input where they are known.
 */
public final class TensorSpec {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final List<String> columns;
    private final int batchDim;

    /**
     * A spec whose batch is its first dimension (none for a scalar); {@code shape} and {@code
     * columns} are copied.
     *
     * @param columns the column names of the last dimension, or null when unknown
     */
    public TensorSpec(String name, DType dtype, long[] shape, List<String> columns) {
        this(name, dtype, shape, columns, shape.length > 0 ? 0 : -1);
    }

    /**
     * A spec; {@code shape} and {@code columns} are copied.
     *
     * @param columns the column names of the last dimension, or null when unknown
     * @param batchDim the dimension that counts the batch's rows, or -1 for none
     * @throws IllegalArgumentException if {@code batchDim} is not -1 or a dimension of {@code
     *     shape}
     */
    public TensorSpec(String name, DType dtype, long[] shape, List<String> columns, int batchDim) {
        // interned, so that a caller's key made from a literal or from another manifest's spec is
        // this very String, and a map lookup by it matches by reference, without comparing text
        this.name = Objects.requireNonNull(name, "name").intern();
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.columns =
                columns == null ? null : Collections.unmodifiableList(new ArrayList<>(columns));
        if (batchDim < -1 || batchDim >= shape.length) {
            throw new IllegalArgumentException(
                    name
                            + ": batch dimension "
                            + batchDim
                            + " is neither -1 (none) nor a dimension of "
                            + Arrays.toString(shape));
        }
        this.batchDim = batchDim;
    }

    /** The dimension that counts the batch's rows, or -1 when the tensor has none. */
    public int batchDim() {
        return batchDim;
    }

    /** Whether one of the dimensions counts the batch's rows. */
    public boolean isBatched() {
        return batchDim >= 0;
    }

    /** The tensor's name, e.g. {@code features}. */
    public String name() {
        return name;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the declared shape, with {@code -1} for dynamic dimensions. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Column names of the last dimension, or {@code null} when unknown. */
    public List<String> columns() {
        return columns;
    }

    /**
     * The shape with every dynamic dimension replaced by {@code batch}: the exact shape of this
     * tensor in a batch of that size when {@link #hasFixedInnerDims()} (a spec without a batch
     * dimension keeps its shape).
     */
    public long[] concreteShape(long batch) {
        return concreteShape(shape, batch);
    }

    /**
     * A copy of {@code shape} with every dynamic dimension ({@code -1}) replaced by {@code batch}:
     * the shape a declared shape takes for one batch (a manifest's, or a runtime's own).
     */
    public static long[] concreteShape(long[] shape, long batch) {
        long[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                s[i] = batch;
            }
        }
        return s;
    }

    /**
     * Whether every dimension but the batch's is fixed, so that the batch size alone fixes the
     * shape (for a spec without a batch dimension: whether its whole shape is fixed).
     */
    public boolean hasFixedInnerDims() {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 && i != batchDim) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every dimension of {@code shape} after the first (the batch) is fixed, not {@code
     * -1}: then the batch alone fixes the shape.
     */
    public static boolean hasFixedInnerDims(long[] shape) {
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        String batch =
                batchDim == 0 || shape.length == 0
                        ? ""
                        : batchDim < 0 ? " (not batched)" : " (batch dimension " + batchDim + ")";
        return name + ": " + dtype + " " + Arrays.toString(shape) + batch;
    }
}
