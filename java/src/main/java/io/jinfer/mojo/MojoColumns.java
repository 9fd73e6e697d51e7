package io.jinfer.mojo;

import hex.genmodel.ConverterFactoryProvidingModel;
import hex.genmodel.GenModel;
import hex.genmodel.easy.CategoricalEncoder;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import hex.genmodel.easy.exception.PredictNumberFormatException;
import hex.genmodel.easy.exception.PredictUnknownCategoricalLevelException;
import hex.genmodel.easy.exception.PredictUnknownTypeException;

import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where each feature column of a MOJO takes its values from, and how they go into genmodel's {@link
 * RowData}: H2O's type mapping. A column is bound by name to an input of the manifest (1-D, or
 * {@code [n, 1]}), or to a column of a 2-D input by the manifest's column names.
 *
 * <p>Values: numbers go in as {@code Double}, strings as they are (genmodel looks categorical
 * levels up, and parses strings of a numeric column). An integer in a categorical column is its
 * level's text ({@code 3} is the level {@code "3"}, as H2O makes levels of an integer column). A
 * missing value (NaN, a null or empty string) is left out of the row, which genmodel scores as
 * missing.
 *
 * <p>For a MOJO that brings no converter of its own, a row can also go straight into the {@code
 * double[]} that {@code GenModel.score0} reads, through genmodel's own column mapping and
 * categorical encoders (those {@code EasyPredictModelWrapper} builds for its {@code RowData}
 * converter), with the converter's rules value for value: the wrapper's scoring without its hash
 * map per row (docs/decisions.md, "The mojo backend fills score0's row itself").
 */
final class MojoColumns {
    /**
     * One feature column.
     *
     * @param name the MOJO's column name
     * @param categorical whether H2O treats it as categorical (it has a domain)
     * @param input the manifest input that holds its values
     * @param index its column in that input, or -1 when the whole tensor is this column
     * @param width the input's number of columns
     */
    record Column(String name, boolean categorical, String input, int index, int width) {}

    // the columns as arrays read once per value: the distinct inputs, and each column's
    private final String[] inputs;
    // by input: the manifest's dtype, which the input check holds the tensors to
    private final DType[] dtypes;
    private final String[] names;
    private final boolean[] categorical;
    private final int[] inputOf; // by column: its input's index in inputs
    private final int[] index;
    private final int[] width;
    // score0's row: each column's place in it (-1: genmodel ignores the column) and its encoder
    // (null: numeric); null when the MOJO converts rows its own way
    private final int[] target;
    private final CategoricalEncoder[] encoders;
    private final int rawWidth;

    private MojoColumns(List<Column> columns, GenModel model, Manifest manifest) {
        List<String> distinct = new ArrayList<>();
        int n = columns.size();
        names = new String[n];
        categorical = new boolean[n];
        inputOf = new int[n];
        index = new int[n];
        width = new int[n];
        for (int i = 0; i < n; i++) {
            Column c = columns.get(i);
            if (!distinct.contains(c.input())) {
                distinct.add(c.input());
            }
            names[i] = c.name();
            categorical[i] = c.categorical();
            inputOf[i] = distinct.indexOf(c.input());
            index[i] = c.index();
            width[i] = c.width();
        }
        inputs = distinct.toArray(new String[0]);
        dtypes = new DType[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            dtypes[i] = manifest.input(inputs[i]).dtype();
        }
        if (model instanceof ConverterFactoryProvidingModel) {
            target = null;
            encoders = null;
            rawWidth = 0;
        } else {
            Map<String, Integer> mapping =
                    model.getCategoricalEncoding().createColumnMapping(model);
            Map<Integer, CategoricalEncoder> byIndex =
                    model.getCategoricalEncoding().createCategoricalEncoders(model, mapping);
            rawWidth = model.nfeatures();
            target = new int[n];
            encoders = new CategoricalEncoder[n];
            for (int i = 0; i < n; i++) {
                Integer at = mapping.get(names[i]);
                target[i] = at == null || at >= rawWidth ? -1 : at;
                encoders[i] = at == null ? null : byIndex.get(at);
            }
        }
    }

    /**
     * Whether rows can go straight into score0's {@code double[]} ({@link Rows#fill(double[], int,
     * boolean)}): false for a MOJO with a converter of its own, which only {@link RowData} reaches.
     */
    boolean direct() {
        return target != null;
    }

    /** The length of score0's row. */
    int rawWidth() {
        return rawWidth;
    }

    /**
     * Binds every feature column of {@code model} to the manifest's inputs.
     *
     * @throws BundleException ({@code INVALID_MANIFEST}) naming a column that no input holds
     */
    static MojoColumns bind(GenModel model, Manifest manifest, String where) {
        List<Column> out = new ArrayList<>();
        String[] names = model.features();
        for (int i = 0; i < names.length; i++) {
            out.add(bind(names[i], model.getDomainValues(i) != null, manifest, where));
        }
        return new MojoColumns(out, model, manifest);
    }

    private static Column bind(String name, boolean categorical, Manifest manifest, String where) {
        TensorSpec byName = manifest.input(name);
        if (byName != null
                && (byName.rank() == 1 || (byName.rank() == 2 && byName.shape()[1] == 1))) {
            return new Column(name, categorical, byName.name(), -1, 1); // the spec's own name
        }
        for (TensorSpec s : manifest.inputs()) {
            if (s.rank() == 2 && s.columns() != null && s.columns().contains(name)) {
                return new Column(
                        name, categorical, s.name(), s.columns().indexOf(name), s.columns().size());
            }
        }
        throw new BundleException(
                ErrorCode.INVALID_MANIFEST,
                where
                        + ": the MOJO's column '"
                        + name
                        + "' is neither an input of the manifest nor a column of one (inputs: "
                        + manifest.inputs()
                        + ")");
    }

    /**
     * A holder of one batch's values, for one thread to {@linkplain Rows#bind bind} call by call.
     */
    Rows rows() {
        return new Rows();
    }

    /**
     * One batch at a time: each input's tensor, looked up once per batch, not once per value; fills
     * a {@link RowData}, or score0's row, with the values of one row.
     */
    final class Rows {
        private final Tensor[] tensors = new Tensor[inputs.length]; // by input

        private Rows() {}

        /** Holds the batch's tensors, until {@link #release()}. */
        Rows bind(Map<String, Tensor> given) {
            for (int i = 0; i < inputs.length; i++) {
                tensors[i] = given.get(inputs[i]);
            }
            return this;
        }

        /** Lets go of the batch's tensors: the backend keeps no input after a call. */
        void release() {
            Arrays.fill(tensors, null);
        }

        /** Clears {@code row} and puts the values of row {@code r} into it. */
        void fill(RowData row, int r) {
            row.clear();
            for (int i = 0; i < names.length; i++) {
                int in = inputOf[i];
                int at = index[i] < 0 ? r : r * width[i] + index[i];
                Object v;
                if (dtypes[in] == DType.STRING) {
                    String s = tensors[in].getString(at);
                    v = s == null || s.isEmpty() ? null : s;
                } else if (dtypes[in].isFloating()) {
                    double d = tensors[in].getDouble(at);
                    v = Double.isNaN(d) ? null : (Object) d;
                } else {
                    long l = tensors[in].getLong(at);
                    v = categorical[i] ? (Object) Long.toString(l) : (Object) (double) l;
                }
                if (v != null) {
                    row.put(names[i], v);
                }
            }
        }

        /**
         * Writes row {@code r} into score0's {@code raw} as genmodel's converter would from the
         * {@link RowData} that {@link #fill(RowData, int)} makes: a missing value stays NaN, a
         * number goes in as it is, a level through its column's encoder, and the same exceptions
         * for what the converter refuses.
         */
        void fill(double[] raw, int r, boolean unknownLevelsToNa) throws PredictException {
            Arrays.fill(raw, Double.NaN);
            for (int i = 0; i < names.length; i++) {
                int to = target[i];
                if (to < 0) {
                    continue;
                }
                int in = inputOf[i];
                int at = index[i] < 0 ? r : r * width[i] + index[i];
                CategoricalEncoder encoder = encoders[i];
                if (dtypes[in] == DType.STRING) {
                    String s = tensors[in].getString(at);
                    if (s == null || s.isEmpty()) {
                        continue;
                    }
                    if (encoder == null) {
                        raw[to] = parse(names[i], s);
                    } else {
                        level(i, s, raw, unknownLevelsToNa);
                    }
                } else if (dtypes[in].isFloating()) {
                    double d = tensors[in].getDouble(at);
                    if (Double.isNaN(d)) {
                        continue;
                    }
                    if (encoder != null) {
                        throw new PredictUnknownTypeException(
                                "Unexpected object type java.lang.Double for categorical column "
                                        + names[i]);
                    }
                    raw[to] = d;
                } else {
                    long l = tensors[in].getLong(at);
                    if (encoder == null) {
                        raw[to] = l;
                    } else {
                        level(i, Long.toString(l), raw, unknownLevelsToNa);
                    }
                }
            }
        }

        private void level(int column, String level, double[] raw, boolean toNa)
                throws PredictUnknownCategoricalLevelException {
            CategoricalEncoder encoder = encoders[column];
            if (!encoder.encodeCatValue(level, raw)) {
                if (!toNa) {
                    throw new PredictUnknownCategoricalLevelException(
                            "Unknown categorical level (" + names[column] + "," + level + ")",
                            names[column],
                            level);
                }
                encoder.encodeNA(raw);
            }
        }
    }

    /** A string of a numeric column, as genmodel's converter parses it. */
    private static double parse(String column, String s) throws PredictNumberFormatException {
        String t = s.trim();
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new PredictNumberFormatException(
                    "Unable to parse value: "
                            + t
                            + ", from column: "
                            + column
                            + ", as Double; "
                            + e.getMessage());
        }
    }
}
