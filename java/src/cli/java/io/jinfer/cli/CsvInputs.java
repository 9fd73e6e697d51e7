package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CSV table turned into model inputs. A model with one 2-D input takes the columns as that
 * input's columns (reordered by name when the spec names them), cast to its dtype. A model with one
 * input per column ({@code [n]} or {@code [n, 1]}) takes each input from the column of its name.
 */
final class CsvInputs {
    private final Path path;
    private final Csv.Table table;
    private int currentRow;

    private CsvInputs(Path path, Csv.Table table) {
        this.path = path;
        this.table = table;
    }

    static Map<String, Tensor> of(Path path, Csv.Table table, List<TensorSpec> specs) {
        return new CsvInputs(path, table).map(specs);
    }

    private Map<String, Tensor> map(List<TensorSpec> specs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (specs.size() == 1 && specs.get(0).rank() == 2 && !isColumn(specs.get(0))) {
            TensorSpec spec = specs.get(0);
            List<String> names = spec.columns() != null ? spec.columns() : table.header();
            checkNames(names, "the model's input '" + spec.name() + "' has columns " + names);
            out.put(
                    spec.name(),
                    tensor(spec, names, new long[] {table.rows().size(), names.size()}));
            return out;
        }
        List<String> names = new ArrayList<>();
        for (TensorSpec spec : specs) {
            if (!isColumn(spec)) {
                throw new InputException(
                        ErrorCode.INVALID_CSV,
                        path
                                + ": this model's input '"
                                + spec.name()
                                + "' is "
                                + spec.dtype()
                                + " "
                                + Tensor.shapeString(spec.shape())
                                + "; a CSV file fills one 2-D input or one column per input;"
                                + " pass a .npz keyed by input name");
            }
            names.add(spec.name());
        }
        checkNames(names, "the model takes one column per input " + names);
        for (TensorSpec spec : specs) {
            long n = table.rows().size();
            long[] shape = spec.rank() == 1 ? new long[] {n} : new long[] {n, 1};
            out.put(spec.name(), tensor(spec, List.of(spec.name()), shape));
        }
        return out;
    }

    private static boolean isColumn(TensorSpec spec) {
        long[] s = spec.shape();
        return s.length == 1 || (s.length == 2 && s[1] == 1);
    }

    /** The header must hold exactly {@code names}, in any order. */
    private void checkNames(List<String> names, String what) {
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            if (!table.header().contains(n)) {
                missing.add(n);
            }
        }
        List<String> extra = new ArrayList<>();
        for (String h : table.header()) {
            if (!names.contains(h)) {
                extra.add(h);
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new InputException(
                    ErrorCode.INVALID_CSV,
                    path
                            + ": columns "
                            + table.header()
                            + " do not match: "
                            + what
                            + (missing.isEmpty() ? "" : "; missing " + missing)
                            + (extra.isEmpty() ? "" : "; unexpected " + extra));
        }
    }

    private Tensor tensor(TensorSpec spec, List<String> columns, long[] shape) {
        int rows = table.rows().size();
        int cols = columns.size();
        int[] index = new int[cols];
        for (int c = 0; c < cols; c++) {
            index[c] = table.header().indexOf(columns.get(c));
        }
        int n = rows * cols;
        DType dtype = spec.dtype();
        switch (dtype) {
            case STRING:
                {
                    String[] v = new String[n];
                    fill((i, cell, col) -> v[i] = cell, index);
                    return Tensor.ofStrings(v, shape);
                }
            case FLOAT32:
                {
                    float[] v = new float[n];
                    fill((i, cell, col) -> v[i] = (float) parseDouble(cell, i, col), index);
                    return Tensor.of(v, shape);
                }
            case FLOAT64:
                {
                    double[] v = new double[n];
                    fill((i, cell, col) -> v[i] = parseDouble(cell, i, col), index);
                    return Tensor.of(v, shape);
                }
            case BOOL:
                {
                    boolean[] v = new boolean[n];
                    fill((i, cell, col) -> v[i] = parseBool(cell, i, col), index);
                    return Tensor.of(v, shape);
                }
            default:
                {
                    long[] v = new long[n];
                    fill((i, cell, col) -> v[i] = parseInteger(cell, i, col, dtype), index);
                    return Tensor.of(v, shape).castTo(dtype); // values were range-checked
                }
        }
    }

    private interface Cell {
        void set(int i, String cell, String column);
    }

    private void fill(Cell cell, int[] index) {
        int cols = index.length;
        for (int r = 0; r < table.rows().size(); r++) {
            currentRow = r;
            String[] row = table.rows().get(r);
            for (int c = 0; c < cols; c++) {
                cell.set(r * cols + c, row[index[c]], table.header().get(index[c]));
            }
        }
    }

    private double parseDouble(String cell, int i, String column) {
        String s = cell.trim();
        switch (s.toLowerCase(Locale.ROOT)) {
            case "nan":
                return Double.NaN;
            case "inf":
            case "+inf":
            case "infinity":
            case "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf":
            case "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        try {
            if (!s.isEmpty()
                    && !Character.isLetter(s.charAt(s.length() - 1))) { // refuse Java's "1d", "2f"
                return Double.parseDouble(s);
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw bad(i, column, cell, "a number");
    }

    private long parseInteger(String cell, int i, String column, DType dtype) {
        String s = cell.trim();
        long v;
        try {
            v = Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            double d = parseDouble(cell, i, column);
            if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) >= 0x1p63) {
                throw bad(i, column, cell, "an integer (" + dtype + ")");
            }
            v = (long) d;
        }
        long min;
        long max;
        switch (dtype) {
            case INT8:
                min = Byte.MIN_VALUE;
                max = Byte.MAX_VALUE;
                break;
            case UINT8:
                min = 0;
                max = 255;
                break;
            case INT16:
                min = Short.MIN_VALUE;
                max = Short.MAX_VALUE;
                break;
            case INT32:
                min = Integer.MIN_VALUE;
                max = Integer.MAX_VALUE;
                break;
            default:
                min = Long.MIN_VALUE;
                max = Long.MAX_VALUE;
                break;
        }
        if (v < min || v > max) {
            throw bad(
                    i,
                    column,
                    cell,
                    "an integer in the range of " + dtype + " [" + min + ", " + max + "]");
        }
        return v;
    }

    private boolean parseBool(String cell, int i, String column) {
        switch (cell.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
            case "1.0":
                return true;
            case "false":
            case "0":
            case "0.0":
                return false;
            default:
                throw bad(i, column, cell, "a boolean (true/false/1/0)");
        }
    }

    private InputException bad(int i, String column, String cell, String expected) {
        return new InputException(
                ErrorCode.INVALID_VALUE,
                path
                        + " line "
                        + table.lines().get(currentRow)
                        + ", column '"
                        + column
                        + "': expected "
                        + expected
                        + ", got \""
                        + cell
                        + "\"");
    }
}
