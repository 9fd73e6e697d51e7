package io.jinfer.spark;

import io.jinfer.DType;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One model output as a column: a scalar per row for an output {@code [n]} ({@code label}, a
 * one-target {@code prediction}), an array per row otherwise ({@code probabilities} as {@code
 * array<float>}; an output of rank 3 or more is flattened), or an ML {@code Vector} (of doubles) in
 * place of a float array when asked.
 */
final class OutputColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    final String output;
    final String column;
    final DType dtype;
    final boolean scalar;
    final boolean vector;

    private OutputColumn(
            String output, String column, DType dtype, boolean scalar, boolean vector) {
        this.output = output;
        this.column = column;
        this.dtype = dtype;
        this.scalar = scalar;
        this.vector = vector;
    }

    /** The column {@code column} for output {@code spec}; float arrays as Vectors if asked. */
    static OutputColumn of(TensorSpec spec, String column, boolean vectors) {
        boolean scalar = spec.rank() <= 1;
        boolean floating = spec.dtype() == DType.FLOAT32 || spec.dtype() == DType.FLOAT64;
        return new OutputColumn(
                spec.name(), column, spec.dtype(), scalar, vectors && !scalar && floating);
    }

    /** The column's Spark type. */
    DataType sparkType() {
        if (vector) {
            return SQLDataTypes.VectorType();
        }
        DataType element =
                switch (dtype) {
                    case FLOAT32 -> DataTypes.FloatType;
                    case INT64 -> DataTypes.LongType;
                    case INT32, INT16, INT8, UINT8 -> DataTypes.IntegerType;
                    case BOOL -> DataTypes.BooleanType;
                    case STRING -> DataTypes.StringType;
                    default -> DataTypes.DoubleType; // float64, and any wider or rarer number
                };
        return scalar ? element : DataTypes.createArrayType(element, false);
    }

    @SuppressWarnings("unchecked") // the ML Vector type's UDT is a UserDefinedType<Vector>
    private static UserDefinedType<Vector> vectorType() {
        return (UserDefinedType<Vector>) SQLDataTypes.VectorType();
    }

    /** The values of one predicted batch, row by row. */
    Values values(Tensor t) {
        return new Values(t);
    }

    /** One batch's output, copied out of its tensor once. */
    final class Values {
        private final int perRow;
        private final float[] floats;
        private final double[] doubles;
        private final long[] longs;
        private final String[] strings;

        private Values(Tensor t) {
            int rows = t.rank() == 0 ? 1 : (int) t.dim(0);
            perRow = rows == 0 ? 0 : (int) (t.size() / rows);
            DataType type = sparkType();
            DataType element =
                    type instanceof org.apache.spark.sql.types.ArrayType a ? a.elementType() : type;
            floats = element == DataTypes.FloatType ? t.castTo(DType.FLOAT32).toFloatArray() : null;
            doubles =
                    vector || element == DataTypes.DoubleType
                            ? t.castTo(DType.FLOAT64).toDoubleArray()
                            : null;
            strings = dtype == DType.STRING ? t.toStringArray() : null;
            longs =
                    floats == null && doubles == null && strings == null
                            ? t.castTo(DType.INT64).toLongArray()
                            : null;
        }

        /** Row {@code r}'s value, as the column's Spark type holds it. */
        Object get(int r) {
            int from = r * perRow;
            if (vector) {
                return Vectors.dense(java.util.Arrays.copyOfRange(doubles, from, from + perRow));
            }
            if (scalar) {
                if (floats != null) {
                    return floats[from];
                }
                if (doubles != null) {
                    return doubles[from];
                }
                if (strings != null) {
                    return strings[from];
                }
                return scalarLong(longs[from]);
            }
            if (floats != null) {
                return java.util.Arrays.copyOfRange(floats, from, from + perRow);
            }
            if (doubles != null) {
                return java.util.Arrays.copyOfRange(doubles, from, from + perRow);
            }
            if (strings != null) {
                return java.util.Arrays.copyOfRange(strings, from, from + perRow);
            }
            Object[] out = new Object[perRow];
            for (int j = 0; j < perRow; j++) {
                out[j] = scalarLong(longs[from + j]);
            }
            return out;
        }

        /**
         * Row {@code r}'s value as Spark's internal rows hold it: what {@link JinferTransformer}
         * hands to Spark, which makes no external Row of it.
         */
        Object internal(int r) {
            int from = r * perRow;
            if (vector) {
                return vectorType()
                        .serialize(Vectors.dense(Arrays.copyOfRange(doubles, from, from + perRow)));
            }
            if (scalar) {
                Object value = get(r);
                return value instanceof String s ? UTF8String.fromString(s) : value;
            }
            if (floats != null) {
                return UnsafeArrayData.fromPrimitiveArray(
                        floats, Platform.FLOAT_ARRAY_OFFSET + from * 4, perRow, 4);
            }
            if (doubles != null) {
                return UnsafeArrayData.fromPrimitiveArray(
                        doubles, Platform.DOUBLE_ARRAY_OFFSET + from * 8, perRow, 8);
            }
            Object[] items = new Object[perRow];
            for (int j = 0; j < perRow; j++) {
                items[j] =
                        strings != null
                                ? UTF8String.fromString(strings[from + j])
                                : scalarLong(longs[from + j]);
            }
            return new GenericArrayData(items);
        }

        private Object scalarLong(long v) {
            return switch (dtype) {
                case BOOL -> v != 0;
                case INT32, INT16, INT8, UINT8 -> (int) v;
                default -> v;
            };
        }
    }
}
