package io.jinfer.spark;

import io.jinfer.DType;
import io.jinfer.Tensor;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * One model input, fed from the columns of a row: a scalar column (an input {@code [n]}), an array
 * or ML {@code Vector} column, or several scalar columns assembled into one row of the input
 * ({@code [n, d]}). Made on the driver, shipped to the executors; {@link #batch} gives the buffers
 * that one task fills.
 */
final class InputFeed implements Serializable {
    private static final long serialVersionUID = 1L;

    final String input;
    final DType dtype;
    final int width; // values per row; 0 for an input [n] (one scalar per row)
    final int[] columns; // the row's field indexes: one, or `width` assembled scalar columns
    final String[] columnNames;

    InputFeed(String input, DType dtype, int width, int[] columns, String[] columnNames) {
        this.input = input;
        this.dtype = dtype;
        this.width = width;
        this.columns = columns;
        this.columnNames = columnNames;
    }

    /** What this input expects of a row, for messages: {@code array<float32> of 4 values}. */
    String expected() {
        if (columns.length > 1) {
            return width + " numeric columns " + Arrays.toString(columnNames);
        }
        return width == 0 ? "a " + dtype + " value" : "an array or vector of " + width + " numbers";
    }

    /** Buffers for {@code capacity} rows of this input, reused batch after batch by one task. */
    Batch batch(int capacity) {
        return new Batch(capacity);
    }

    /** The values of one batch of rows: a direct buffer in native order, or strings. */
    final class Batch {
        private final ByteBuffer data;
        private final String[] strings;
        private final int perRow;

        private Batch(int capacity) {
            perRow = Math.max(width, 1);
            if (dtype == DType.STRING) {
                data = null;
                strings = new String[capacity * perRow];
            } else {
                data =
                        ByteBuffer.allocateDirect(capacity * perRow * dtype.byteSize())
                                .order(ByteOrder.nativeOrder());
                strings = null;
            }
        }

        /**
         * Writes row {@code row}'s values into slot {@code slot}; returns null, or what is wrong
         * with the row (the slot is then left as it was).
         */
        String put(Row row, int slot) {
            int base = slot * perRow;
            if (columns.length > 1) {
                for (int j = 0; j < columns.length; j++) { // check all before writing any
                    if (row.isNullAt(columns[j])) {
                        return "column '" + columnNames[j] + "' is null";
                    }
                }
                for (int j = 0; j < columns.length; j++) {
                    store(base + j, row.get(columns[j]));
                }
                return null;
            }
            Object value = row.get(columns[0]);
            String column = "column '" + columnNames[0] + "'";
            if (value == null) {
                return column + " is null";
            }
            if (width == 0 || (width == 1 && !isSequence(value))) {
                return storeScalar(base, value, column);
            }
            return storeSequence(base, value, column);
        }

        private String storeScalar(int index, Object value, String column) {
            if (dtype == DType.STRING) {
                if (!(value instanceof String s)) {
                    return column
                            + " is a "
                            + value.getClass().getSimpleName()
                            + "; expected a string";
                }
                strings[index] = s;
                return null;
            }
            if (!(value instanceof Number) && !(value instanceof Boolean)) {
                return column + " is a " + value.getClass().getSimpleName() + "; expected a number";
            }
            store(index, value);
            return null;
        }

        private String storeSequence(int base, Object value, String column) {
            if (value instanceof Vector v) {
                return storeNumbers(base, v.size(), v::apply, column);
            }
            if (value instanceof float[] a) {
                return storeNumbers(base, a.length, j -> a[j], column);
            }
            if (value instanceof double[] a) {
                return storeNumbers(base, a.length, j -> a[j], column);
            }
            Object[] items = elements(value);
            if (items == null) {
                return column
                        + " is a "
                        + value.getClass().getSimpleName()
                        + "; expected an array or vector";
            }
            if (items.length != width) {
                return column + " has " + items.length + " values; expected " + width;
            }
            for (int j = 0; j < width; j++) {
                if (items[j] == null) {
                    return column + " holds a null at position " + j;
                }
            }
            for (int j = 0; j < width; j++) {
                if (dtype == DType.STRING) {
                    strings[base + j] = items[j].toString();
                } else {
                    store(base + j, items[j]);
                }
            }
            return null;
        }

        private String storeNumbers(int base, int length, IntToDoubleFunction at, String column) {
            if (length != width) {
                return column + " has " + length + " values; expected " + width;
            }
            for (int j = 0; j < width; j++) {
                storeDouble(base + j, at.applyAsDouble(j));
            }
            return null;
        }

        private void store(int index, Object value) {
            if (value instanceof Boolean b) {
                storeLong(index, b ? 1 : 0);
            } else if (value instanceof Double || value instanceof Float) {
                storeDouble(index, ((Number) value).doubleValue());
            } else {
                storeLong(index, ((Number) value).longValue());
            }
        }

        private void storeDouble(int index, double v) {
            switch (dtype) {
                case FLOAT32 -> data.putFloat(index * 4, (float) v);
                case FLOAT64 -> data.putDouble(index * 8, v);
                default -> storeLong(index, (long) v);
            }
        }

        private void storeLong(int index, long v) {
            switch (dtype) {
                case FLOAT32 -> data.putFloat(index * 4, v);
                case FLOAT64 -> data.putDouble(index * 8, v);
                case INT64 -> data.putLong(index * 8, v);
                case INT32 -> data.putInt(index * 4, (int) v);
                case BOOL -> data.put(index, (byte) (v != 0 ? 1 : 0));
                default -> throw new IllegalStateException("unsupported input dtype " + dtype);
            }
        }

        /** The first {@code rows} slots as the model's input tensor; valid until the next put. */
        Tensor tensor(int rows) {
            long[] shape = width == 0 ? new long[] {rows} : new long[] {rows, width};
            if (strings != null) {
                return Tensor.ofStrings(Arrays.copyOf(strings, rows * perRow), shape);
            }
            return Tensor.wrap(data.duplicate().order(ByteOrder.nativeOrder()), dtype, shape);
        }
    }

    private static boolean isSequence(Object value) {
        return value instanceof Vector
                || value instanceof scala.collection.Seq
                || value instanceof List
                || value.getClass().isArray();
    }

    private static Object[] elements(Object value) {
        if (value instanceof scala.collection.Seq<?> s) {
            Object[] out = new Object[s.length()];
            for (int j = 0; j < out.length; j++) {
                out[j] = s.apply(j);
            }
            return out;
        }
        if (value instanceof List<?> l) {
            return l.toArray();
        }
        if (value instanceof Object[] a) {
            return a;
        }
        return null;
    }
}
