package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Outputs as CSV: one column per 1-D output, {@code name_j} columns for wider ones. */
final class Csv {
    private Csv() {
    }

    static String format(Map<String, Tensor> out) {
        List<String> header = new ArrayList<>();
        List<String[]> columns = new ArrayList<>();
        long rows = 0;
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            Tensor t = e.getValue();
            rows = t.rank() == 0 ? 1 : t.dim(0);
            int width = (int) (rows == 0 ? 0 : t.size() / rows);
            String[] cells = cells(t);
            for (int j = 0; j < width; j++) {
                header.add(t.rank() <= 1 ? e.getKey() : e.getKey() + "_" + j);
                String[] col = new String[(int) rows];
                for (int r = 0; r < rows; r++) {
                    col[r] = cells[r * width + j];
                }
                columns.add(col);
            }
        }
        StringBuilder b = new StringBuilder(String.join(",", header)).append('\n');
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns.size(); c++) {
                b.append(c > 0 ? "," : "").append(columns.get(c)[r]);
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String[] cells(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            float[] f = t.toFloatArray();
            String[] s = new String[f.length];
            for (int i = 0; i < f.length; i++) {
                s[i] = Float.toString(f[i]);
            }
            return s;
        }
        return t.toStringArray();
    }
}
