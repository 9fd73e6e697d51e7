package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The parity rule of {@code jinfer._parity}, in Java: labels exact, floats within
 * {@code atol + rtol * max|expected|}. */
final class Parity {
    private Parity() {
    }

    static final class Result {
        boolean passed = true;
        long rows;
        final List<String> lines = new ArrayList<>();
    }

    static Result compare(Map<String, Tensor> expected, Map<String, Tensor> actual, double rtol, double atol) {
        Result r = new Result();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String name = e.getKey();
            Tensor want = e.getValue();
            Tensor got = actual.get(name);
            r.rows = Math.max(r.rows, want.rank() > 0 ? want.dim(0) : 1);
            if (got == null || !Arrays.equals(want.shape(), got.shape())) {
                r.passed = false;
                r.lines.add(name + ": " + (got == null ? "missing" : "shape " + Arrays.toString(got.shape())
                    + ", expected " + Arrays.toString(want.shape())));
                continue;
            }
            long mismatches = 0;
            if (want.isString() || got.isString()) {
                String[] w = want.toStringArray();
                String[] g = got.toStringArray();
                for (int i = 0; i < w.length; i++) {
                    mismatches += w[i].equals(g[i]) ? 0 : 1;
                }
                r.lines.add(name + ": mismatches=" + mismatches);
            } else {
                double[] w = want.toDoubleArray();
                double[] g = got.toDoubleArray();
                boolean exact = isInteger(want.dtype()) && isInteger(got.dtype());
                double scale = 0;
                for (double v : w) {
                    scale = Math.max(scale, Math.abs(v));
                }
                double maxAbs = 0;
                double maxRel = 0;
                for (int i = 0; i < w.length; i++) {
                    double diff = Math.abs(g[i] - w[i]);
                    maxAbs = Math.max(maxAbs, diff);
                    if (diff > 0) {
                        maxRel = Math.max(maxRel, diff / Math.max(Math.abs(w[i]), Double.MIN_NORMAL));
                    }
                    boolean bad = exact ? diff != 0 : !(diff <= atol + rtol * scale);
                    mismatches += bad ? 1 : 0;
                }
                r.lines.add(name + ": max_abs_error=" + maxAbs + ", max_rel_error=" + maxRel + ", mismatches=" + mismatches);
            }
            r.passed &= mismatches == 0;
        }
        return r;
    }

    private static boolean isInteger(DType d) {
        return d != DType.FLOAT32 && d != DType.FLOAT64 && d != DType.STRING;
    }
}
