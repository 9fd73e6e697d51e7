package io.jinfer.mojo;

import hex.genmodel.GenModel;
import hex.genmodel.easy.RowData;

import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import java.util.ArrayList;
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
    private final String[] names;
    private final boolean[] categorical;
    private final int[] inputOf; // by column: its input's index in inputs
    private final int[] index;
    private final int[] width;

    private MojoColumns(List<Column> columns) {
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
        return new MojoColumns(out);
    }

    private static Column bind(String name, boolean categorical, Manifest manifest, String where) {
        TensorSpec byName = manifest.input(name);
        if (byName != null
                && (byName.rank() == 1 || (byName.rank() == 2 && byName.shape()[1] == 1))) {
            return new Column(name, categorical, name, -1, 1);
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

    /** One batch's values, read from the tensors once. */
    Rows rows(Map<String, Tensor> inputs) {
        return new Rows(inputs);
    }

    /**
     * One batch: fills a {@link RowData} with the values of one row. Each input's tensor (and, for
     * strings, its array) is looked up once per batch, not once per value.
     */
    final class Rows {
        private final Tensor[] tensors; // by input
        private final String[][] strings; // by input; null for a numeric tensor
        private final boolean[] floating; // by input: a float32/float64 tensor

        private Rows(Map<String, Tensor> given) {
            int n = inputs.length;
            tensors = new Tensor[n];
            strings = new String[n][];
            floating = new boolean[n];
            for (int i = 0; i < n; i++) {
                Tensor t = given.get(inputs[i]);
                tensors[i] = t;
                floating[i] = t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64;
                strings[i] = t.isString() ? t.toStringArray() : null;
            }
        }

        /** Clears {@code row} and puts the values of row {@code r} into it. */
        void fill(RowData row, int r) {
            row.clear();
            for (int i = 0; i < names.length; i++) {
                int in = inputOf[i];
                int at = index[i] < 0 ? r : r * width[i] + index[i];
                Object v;
                if (strings[in] != null) {
                    String s = strings[in][at];
                    v = s == null || s.isEmpty() ? null : s;
                } else if (floating[in]) {
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
    }
}
