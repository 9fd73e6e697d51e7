package io.jinfer.spark;

import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Manifest;
import io.jinfer.TensorSpec;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How rows of one schema are scored by one bundle: which columns feed which input, which outputs
 * become which columns, and the batch size, load options and bad-row policy. Made and checked on
 * the driver, against the DataFrame's schema, before any task runs; shipped to the executors.
 */
final class ScoringPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The input dtypes a column can feed. */
    static final Set<DType> FED =
            EnumSet.of(
                    DType.FLOAT32,
                    DType.FLOAT64,
                    DType.INT64,
                    DType.INT32,
                    DType.BOOL,
                    DType.STRING);

    final BundleRef bundle;
    final ModelCache.Options options;
    final InputFeed[] inputs;
    final OutputColumn[] outputs;
    final int batchSize;
    final boolean skipBadRows;

    ScoringPlan(
            BundleRef bundle,
            ModelCache.Options options,
            InputFeed[] inputs,
            OutputColumn[] outputs,
            int batchSize,
            boolean skipBadRows) {
        this.bundle = bundle;
        this.options = options;
        this.inputs = inputs;
        this.outputs = outputs;
        this.batchSize = batchSize;
        this.skipBadRows = skipBadRows;
    }

    /** The input schema with one column per output appended. */
    StructType outputSchema(StructType in) {
        StructType out = in;
        for (OutputColumn o : outputs) {
            out = out.add(o.column, o.sparkType(), true);
        }
        return out;
    }

    /**
     * Binds every input of {@code manifest} to columns of {@code schema}: the column {@code
     * mapping} names for it, else the column of the input's own name, else (for an input {@code [n,
     * d]} whose spec names its columns) those scalar columns, assembled.
     *
     * @throws InputException {@code MISSING_INPUT}, {@code UNKNOWN_INPUT} or {@code
     *     DTYPE_MISMATCH}, naming the input and the column
     */
    static InputFeed[] bindInputs(
            Manifest manifest, StructType schema, Map<String, String> mapping) {
        List<TensorSpec> specs = manifest.inputs();
        for (String name : mapping.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                throw new InputException(
                        ErrorCode.UNKNOWN_INPUT,
                        "inputNames: bundle "
                                + manifest.name()
                                + " has no input '"
                                + name
                                + "'; its inputs are "
                                + names(specs));
            }
        }
        List<String> fields = Arrays.asList(schema.fieldNames());
        InputFeed[] feeds = new InputFeed[specs.size()];
        for (int i = 0; i < feeds.length; i++) {
            TensorSpec spec = specs.get(i);
            int width = width(spec);
            String column = mapping.get(spec.name());
            if (column == null && fields.contains(spec.name())) {
                column = spec.name();
            }
            if (column == null
                    && width > 0
                    && spec.columns() != null
                    && spec.columns().size() == width
                    && fields.containsAll(spec.columns())) {
                feeds[i] = assembled(spec, schema);
                continue;
            }
            if (column == null) {
                throw new InputException(
                        ErrorCode.MISSING_INPUT,
                        describe(spec)
                                + ": the DataFrame has no column '"
                                + spec.name()
                                + "'"
                                + (spec.columns() != null && width > 0
                                        ? " nor the columns " + spec.columns()
                                        : "")
                                + "; its columns are "
                                + fields
                                + ". Map it with setInputCol or setInputCols");
            }
            if (!fields.contains(column)) {
                throw new InputException(
                        ErrorCode.MISSING_INPUT,
                        "input '" + spec.name() + "': no column '" + column + "' in " + fields);
            }
            checkType(spec, width, schema.apply(column));
            feeds[i] =
                    new InputFeed(
                            spec.name(),
                            spec.dtype(),
                            width,
                            new int[] {schema.fieldIndex(column)},
                            new String[] {column},
                            new DataType[] {schema.apply(column).dataType()});
        }
        return feeds;
    }

    /**
     * The output columns: {@code names} (default: every output of the bundle) as the columns {@code
     * columns} (default: the outputs' names), none of which may exist in {@code schema}.
     */
    static OutputColumn[] bindOutputs(
            Manifest manifest,
            StructType schema,
            List<String> names,
            List<String> columns,
            boolean vectors) {
        List<TensorSpec> specs = manifest.outputs();
        List<String> wanted = names.isEmpty() ? names(specs) : names;
        List<String> cols = columns.isEmpty() ? wanted : columns;
        if (cols.size() != wanted.size()) {
            throw new IllegalArgumentException(
                    "outputCols: "
                            + cols.size()
                            + " columns "
                            + cols
                            + " for "
                            + wanted.size()
                            + " outputs "
                            + wanted
                            + "; give one column per output (set outputNames to choose outputs)");
        }
        Map<String, TensorSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        List<String> fields = Arrays.asList(schema.fieldNames());
        OutputColumn[] out = new OutputColumn[wanted.size()];
        for (int i = 0; i < out.length; i++) {
            TensorSpec spec = byName.get(wanted.get(i));
            if (spec == null) {
                throw new IllegalArgumentException(
                        "outputNames: bundle "
                                + manifest.name()
                                + " has no output '"
                                + wanted.get(i)
                                + "'; its outputs are "
                                + byName.keySet());
            }
            if (fields.contains(cols.get(i))) {
                throw new IllegalArgumentException(
                        "output column '"
                                + cols.get(i)
                                + "' exists already in the DataFrame; name the output columns"
                                + " with setOutputCols");
            }
            out[i] = OutputColumn.of(spec, cols.get(i), vectors);
        }
        return out;
    }

    private static InputFeed assembled(TensorSpec spec, StructType schema) {
        List<String> cols = spec.columns();
        int[] idx = new int[cols.size()];
        DataType[] types = new DataType[idx.length];
        for (int j = 0; j < idx.length; j++) {
            StructField f = schema.apply(cols.get(j));
            if (!(f.dataType() instanceof NumericType || f.dataType() instanceof BooleanType)) {
                throw mismatch(spec, f, "a numeric column");
            }
            idx[j] = schema.fieldIndex(cols.get(j));
            types[j] = f.dataType();
        }
        return new InputFeed(
                spec.name(), spec.dtype(), idx.length, idx, cols.toArray(new String[0]), types);
    }

    /** Values per row of an input: 0 for an input {@code [n]}, {@code d} for {@code [n, d]}. */
    static int width(TensorSpec spec) {
        if (!FED.contains(spec.dtype())) {
            throw new InputException(
                    ErrorCode.DTYPE_MISMATCH,
                    "input '"
                            + spec.name()
                            + "' is "
                            + spec.dtype()
                            + "; jinfer-spark feeds inputs of "
                            + FED);
        }
        long[] shape = spec.shape();
        if (shape.length == 1) {
            return 0;
        }
        if (shape.length == 2 && shape[1] > 0) {
            return (int) shape[1];
        }
        throw new InputException(
                ErrorCode.RANK_MISMATCH,
                "input '"
                        + spec.name()
                        + "' has shape "
                        + Arrays.toString(shape)
                        + "; jinfer-spark feeds inputs [n] and [n, d] with a fixed d");
    }

    private static void checkType(TensorSpec spec, int width, StructField field) {
        DataType t = field.dataType();
        boolean string = spec.dtype() == DType.STRING;
        boolean ok;
        if (width == 0 || (width == 1 && !(t instanceof ArrayType))) {
            ok = string ? t instanceof StringType : isNumber(t);
        } else if (t instanceof ArrayType a) {
            ok = string ? a.elementType() instanceof StringType : isNumber(a.elementType());
        } else {
            ok = !string && t.equals(SQLDataTypes.VectorType());
        }
        if (!ok) {
            String want =
                    width == 0
                            ? (string ? "a string column" : "a numeric column")
                            : (string
                                    ? "an array<string> column"
                                    : "an array of numbers or an ML Vector column");
            throw mismatch(spec, field, want);
        }
    }

    private static boolean isNumber(DataType t) {
        return t instanceof NumericType || t instanceof BooleanType;
    }

    private static InputException mismatch(TensorSpec spec, StructField field, String want) {
        return new InputException(
                ErrorCode.DTYPE_MISMATCH,
                describe(spec)
                        + ": column '"
                        + field.name()
                        + "' is "
                        + field.dataType().simpleString()
                        + "; expected "
                        + want);
    }

    /** {@code input 'features' (float32 [-1, 4])}, for messages. */
    private static String describe(TensorSpec spec) {
        return "input '"
                + spec.name()
                + "' ("
                + spec.dtype()
                + " "
                + Arrays.toString(spec.shape())
                + ")";
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> out = new ArrayList<>();
        specs.forEach(s -> out.add(s.name()));
        return out;
    }
}
