package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parity rule of {@code jinfer._parity}, in Java, fed one batch of rows at a time: string,
 * integer and bool outputs (labels) must be equal; floats pass where {@code |actual - expected| <=
 * atol + rtol * max|expected|}, the relative tolerance taken against the output's largest
 * magnitude, NaN equal to NaN. A missing output or another shape fails.
 */
final class Parity {
    static final double DEFAULT_RTOL = 1e-5;
    static final double DEFAULT_ATOL = 1e-6;

    private final double rtol;
    private final double atol;
    private final Map<String, Output> outputs = new LinkedHashMap<>();
    private long rows;

    /** The figures of one output. */
    static final class Output {
        final String name;
        final Tensor expected;
        final long perRow; // elements per row (the whole tensor for a 0-d output)
        final boolean strings;
        final boolean exact; // integer and bool: equality
        final double tolerance; // atol + rtol * max|expected| for floats
        double maxAbs;
        double maxRel;
        long mismatches;
        String error;
        private final double[] want;
        private final String[] wantText;

        Output(String name, Tensor expected, double rtol, double atol) {
            this.name = name;
            this.expected = expected;
            this.perRow =
                    expected.rank() == 0 || expected.dim(0) == 0
                            ? Math.max(1, expected.size())
                            : expected.size() / expected.dim(0);
            this.strings = expected.isString();
            this.exact = !strings && isInteger(expected.dtype());
            this.want = strings ? null : expected.toDoubleArray();
            this.wantText = strings ? expected.toStringArray() : null;
            double scale = 0;
            if (want != null) {
                for (double v : want) {
                    if (!Double.isNaN(v)) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
            }
            this.tolerance = atol + rtol * scale;
        }

        boolean passed() {
            return error == null && mismatches == 0;
        }

        /**
         * {@code name: max_abs_error=…, max_rel_error=…, mismatches=…}, as the Python CLI prints
         * it.
         */
        String line() {
            if (error != null) {
                return name + ": error=" + error + ", mismatches=" + mismatches;
            }
            if (strings) {
                return name + ": max_abs_error=None, max_rel_error=None, mismatches=" + mismatches;
            }
            return name
                    + ": max_abs_error="
                    + maxAbs
                    + ", max_rel_error="
                    + maxRel
                    + ", mismatches="
                    + mismatches;
        }

        /**
         * Compares {@code got} with the expected rows {@code [firstRow, firstRow + rows)}; all rows
         * when rows < 0.
         */
        void compare(Tensor got, long firstRow, long rows) {
            if (error != null) {
                return;
            }
            long[] wantShape = expected.shape();
            boolean whole = rows < 0 || wantShape.length == 0;
            if (!whole) {
                wantShape[0] = rows;
            }
            if (got == null
                    || !Arrays.equals(wantShape, got.shape())
                    || (!whole && firstRow + rows > expected.dim(0))) {
                fail(
                        got == null
                                ? "output missing"
                                : "shape "
                                        + Arrays.toString(got.shape())
                                        + ", expected "
                                        + Arrays.toString(wantShape)
                                        + (whole || rows == expected.dim(0)
                                                ? ""
                                                : " (rows "
                                                        + firstRow
                                                        + " to "
                                                        + (firstRow + rows)
                                                        + " of "
                                                        + expected.dim(0)
                                                        + ")"));
                return;
            }
            int from = whole ? 0 : (int) (firstRow * perRow);
            int n = (int) got.size();
            if (strings || got.isString()) {
                String[] g = got.toStringArray();
                String[] w = wantText != null ? wantText : expected.toStringArray();
                for (int i = 0; i < n; i++) {
                    mismatches += w[from + i].equals(g[i]) ? 0 : 1;
                }
                return;
            }
            boolean exactHere = exact && isInteger(got.dtype());
            for (int i = 0; i < n; i++) {
                double w = want[from + i];
                double g = got.getDouble(i);
                boolean same = w == g || (Double.isNaN(w) && Double.isNaN(g));
                double diff = same ? 0 : Math.abs(g - w);
                if (!Double.isNaN(diff)) {
                    maxAbs = Math.max(maxAbs, diff);
                    if (diff > 0) {
                        maxRel = Math.max(maxRel, diff / Math.max(Math.abs(w), Double.MIN_NORMAL));
                    }
                }
                boolean bad = !same && (exactHere || !(diff <= tolerance));
                mismatches += bad ? 1 : 0;
            }
        }

        private void fail(String why) {
            error = why;
            mismatches = expected.size();
        }
    }

    Parity(Map<String, Tensor> expected, double rtol, double atol) {
        this.rtol = rtol;
        this.atol = atol;
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor t = e.getValue();
            outputs.put(e.getKey(), new Output(e.getKey(), t, rtol, atol));
            rows = Math.max(rows, t.rank() > 0 ? t.dim(0) : 1);
        }
    }

    /** Compares all outputs with all expected rows. */
    void add(Map<String, Tensor> actual) {
        add(actual, 0, -1);
    }

    /** Compares a batch of outputs with the expected rows {@code [firstRow, firstRow + rows)}. */
    void add(Map<String, Tensor> actual, long firstRow, long rows) {
        for (Output o : outputs.values()) {
            o.compare(actual.get(o.name), firstRow, rows);
        }
    }

    /** Marks every output failed, e.g. when the backend threw. */
    void failAll(String why) {
        for (Output o : outputs.values()) {
            o.fail(why);
        }
    }

    boolean passed() {
        for (Output o : outputs.values()) {
            if (!o.passed()) {
                return false;
            }
        }
        return true;
    }

    /** The number of rows compared (the largest batch dimension of the expected outputs). */
    long rows() {
        return rows;
    }

    double rtol() {
        return rtol;
    }

    double atol() {
        return atol;
    }

    Map<String, Output> outputs() {
        return outputs;
    }

    /** One line per output. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        for (Output o : outputs.values()) {
            out.add(o.line());
        }
        return out;
    }

    static boolean isInteger(DType d) {
        return d != DType.FLOAT32 && d != DType.FLOAT64 && d != DType.STRING;
    }
}
