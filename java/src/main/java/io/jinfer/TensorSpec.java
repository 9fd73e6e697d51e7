package io.jinfer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The declared name, dtype and shape of a model input or output. A dimension of {@code -1} is
 * dynamic; the first dimension is the batch. {@link #columns()} names the columns of a tabular
 * input where they are known.
 */
public final class TensorSpec {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final List<String> columns;

    /**
     * A spec; {@code shape} and {@code columns} are copied.
     *
     * @param columns the column names of the last dimension, or null when unknown
     */
    public TensorSpec(String name, DType dtype, long[] shape, List<String> columns) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.columns =
                columns == null ? null : Collections.unmodifiableList(new ArrayList<>(columns));
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

    /** The shape with every dynamic dimension replaced by {@code batch}. */
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

    /** Whether every dimension after the batch is fixed. */
    public boolean hasFixedInnerDims() {
        return hasFixedInnerDims(shape);
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
        return name + ": " + dtype + " " + Arrays.toString(shape);
    }
}
