package io.jinfer.spark;

import io.jinfer.DType;
import io.jinfer.Tensor;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * One model input, fed from the columns of a row: a scalar column (an input {@code [n]}), an array
 * or ML {@code Vector} column, or several scalar columns assembled into one row of the input
 * ({@code [n, d]}). Made on the driver, shipped to the executors; {@link #batch} gives the buffers
 * that one task fills, from external {@link Row}s (the SQL function's argument) or from Spark's
 * internal rows ({@link JinferTransformer}, which so makes no external Row of the rows it scores).
 */
final class InputFeed implements Serializable {
    private static final long serialVersionUID = 1L;

    final String input;
    final DType dtype;
    final int width; // values per row; 0 for an input [n] (one scalar per row)
    final int[] columns; // the row's field indexes: one, or `width` assembled scalar columns
    final String[] columnNames;
    final DataType[] types; // the columns' Spark types; null when bound without a schema

    InputFeed(String input, DType dtype, int width, int[] columns, String[] columnNames) {
        this(input, dtype, width, columns, columnNames, null);
    }

    InputFeed(
            String input,
            DType dtype,
            int width,
            int[] columns,
            String[] columnNames,
            DataType[] types) {
        this.input = input;
        this.dtype = dtype;
        this.width = width;
        this.columns = columns;
        this.columnNames = columnNames;
        this.types = types;
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
        private final FloatBuffer floats; // views of data for the bulk copies of whole arrays
        private final DoubleBuffer doubles;
        private final String[] strings;
        private final int perRow;
        private final Internal internal; // how internal rows are read; null without types

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
            floats = dtype == DType.FLOAT32 ? data.asFloatBuffer() : null;
            doubles = dtype == DType.FLOAT64 ? data.asDoubleBuffer() : null;
            internal = types == null ? null : new Internal();
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

        /**
         * As {@link #put(Row, int)}, from one of Spark's internal rows (of the schema the feed was
         * bound to), with the same checks and messages.
         */
        String put(InternalRow row, int slot) {
            int base = slot * perRow;
            if (columns.length > 1) {
                for (int j = 0; j < columns.length; j++) {
                    if (row.isNullAt(columns[j])) {
                        return "column '" + columnNames[j] + "' is null";
                    }
                }
                for (int j = 0; j < columns.length; j++) {
                    internal.cells[j].copy(row, columns[j], base + j);
                }
                return null;
            }
            int c = columns[0];
            String column = "column '" + columnNames[0] + "'";
            if (row.isNullAt(c)) {
                return column + " is null";
            }
            if (internal.vector != null) {
                Vector v = internal.vector.deserialize(row.getStruct(c, internal.vectorFields));
                return storeNumbers(base, v.size(), v::apply, column);
            }
            if (internal.array == null) {
                internal.cells[0].copy(row, c, base);
                return null;
            }
            return storeArray(base, row.getArray(c), column);
        }

        private String storeArray(int base, ArrayData a, String column) {
            int length = a.numElements();
            if (length != width) {
                return column + " has " + length + " values; expected " + width;
            }
            if (internal.array.containsNull()) {
                for (int j = 0; j < width; j++) {
                    if (a.isNullAt(j)) {
                        return column + " holds a null at position " + j;
                    }
                }
            }
            DataType element = internal.array.elementType();
            if (floats != null && element instanceof FloatType) {
                floats.put(base, a.toFloatArray());
            } else if (doubles != null && element instanceof DoubleType) {
                doubles.put(base, a.toDoubleArray());
            } else {
                Cell cell = internal.cells[0];
                for (int j = 0; j < width; j++) {
                    cell.copy(a, j, base + j);
                }
            }
            return null;
        }

        /** One value of a row or an array, read by its Spark type into slot {@code index}. */
        private interface Cell {
            void copy(SpecializedGetters from, int ordinal, int index);
        }

        /** The readers of internal rows, chosen once per task from the columns' types. */
        private final class Internal {
            final Cell[] cells; // per column; for an array column, its elements'
            final ArrayType array; // the column's type if it is an array, else null
            final UserDefinedType<Vector> vector; // the ML Vector type if it is one, else null
            final int vectorFields;

            Internal() {
                DataType first = types[0];
                array = columns.length == 1 && first instanceof ArrayType a ? a : null;
                vector = columns.length == 1 ? vectorType(first) : null;
                vectorFields = vector == null ? 0 : ((StructType) vector.sqlType()).size();
                cells = new Cell[types.length];
                for (int j = 0; j < cells.length; j++) {
                    DataType t = array != null ? array.elementType() : types[j];
                    cells[j] = vector != null ? null : cell(t);
                }
            }

            private Cell cell(DataType t) {
                if (t instanceof StringType) {
                    return (g, i, to) -> strings[to] = g.getUTF8String(i).toString();
                }
                if (t instanceof FloatType) {
                    return (g, i, to) -> storeDouble(to, g.getFloat(i));
                }
                if (t instanceof DoubleType) {
                    return (g, i, to) -> storeDouble(to, g.getDouble(i));
                }
                if (t instanceof DecimalType d) {
                    int p = d.precision();
                    int s = d.scale();
                    return (g, i, to) -> storeDouble(to, g.getDecimal(i, p, s).toDouble());
                }
                if (t instanceof LongType) {
                    return (g, i, to) -> storeLong(to, g.getLong(i));
                }
                if (t instanceof IntegerType) {
                    return (g, i, to) -> storeLong(to, g.getInt(i));
                }
                if (t instanceof ShortType) {
                    return (g, i, to) -> storeLong(to, g.getShort(i));
                }
                if (t instanceof ByteType) {
                    return (g, i, to) -> storeLong(to, g.getByte(i));
                }
                if (t instanceof BooleanType) {
                    return (g, i, to) -> storeLong(to, g.getBoolean(i) ? 1 : 0);
                }
                throw new IllegalStateException( // the driver's checks let no other type through
                        "input '" + input + "': no reader for a column of " + t.simpleString());
            }
        }

        private void store(int index, Object value) {
            if (value instanceof Boolean b) {
                storeLong(index, b ? 1 : 0);
            } else if (value instanceof Double
                    || value instanceof Float
                    || value instanceof java.math.BigDecimal) { // a decimal column's value
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

    /** {@code t} as the ML Vector type, or null when it is another type. */
    @SuppressWarnings("unchecked") // the ML Vector type's UDT is a UserDefinedType<Vector>
    private static UserDefinedType<Vector> vectorType(DataType t) {
        return t instanceof UserDefinedType<?> u && Vector.class.isAssignableFrom(u.userClass())
                ? (UserDefinedType<Vector>) u
                : null;
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
