package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Limits;
import io.jinfer.Tensor;
import io.jinfer.Utf8;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * CSV in and out, RFC 4180 style: a header row, commas, double quotes around cells that hold a
 * comma, a quote or a line break. Outputs become one column per 1-D output and {@code name_j}
 * columns for wider ones, as the Python CLI writes them.
 */
final class Csv {
    private Csv() {}

    /**
     * A parsed CSV file: the header and the data rows, all of the header's width.
     *
     * @param header the column names
     * @param rows the data rows
     * @param lines the file line each row starts on
     */
    record Table(List<String> header, List<String[]> rows, List<Integer> lines) {}

    /**
     * Reads a UTF-8 CSV file with a header row.
     *
     * @throws InputException ({@code INVALID_CSV}) naming the line at fault
     */
    static Table read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > Limits.defaults().maxEntryBytes()) {
            throw invalid(path + " is " + size + " bytes, more than a Java array holds");
        }
        return parse(Files.readAllBytes(path), path.toString());
    }

    /**
     * Parses UTF-8 CSV bytes with a header row; {@code path} names them in messages.
     *
     * @throws InputException ({@code INVALID_CSV}) naming the line at fault
     */
    static Table parse(byte[] bytes, String path) {
        String text;
        try {
            text = Utf8.decode(bytes);
        } catch (CharacterCodingException e) {
            throw invalid(path + ": not UTF-8 text (" + e.getMessage() + ")");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String[]> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        parse(text, path, records, lines);
        if (records.isEmpty()) {
            throw invalid(path + ": empty CSV; expected a header row of column names");
        }
        List<String> header = List.of(records.get(0));
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).isBlank()) {
                throw invalid(path + ": header column " + (i + 1) + " has no name");
            }
            if (header.indexOf(header.get(i)) != i) {
                throw invalid(path + ": header names column '" + header.get(i) + "' twice");
            }
        }
        List<String[]> rows = new ArrayList<>();
        List<Integer> rowLines = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            String[] row = records.get(r);
            if (row.length != header.size()) {
                throw invalid(
                        path
                                + " line "
                                + lines.get(r)
                                + ": expected "
                                + header.size()
                                + " cells like the header, got "
                                + row.length);
            }
            rows.add(row);
            rowLines.add(lines.get(r));
        }
        return new Table(header, rows, rowLines);
    }

    private static InputException invalid(String message) {
        return new InputException(ErrorCode.INVALID_CSV, message);
    }

    private static void parse(
            String text, String path, List<String[]> records, List<Integer> lines) {
        List<String> record = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean cellStarted = false;
        int line = 1;
        int recordLine = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    cell.append(c);
                }
            } else if (c == '"' && cell.length() == 0 && !cellStarted) {
                quoted = true;
                cellStarted = true;
            } else if (c == ',') {
                record.add(cell.toString());
                cell.setLength(0);
                cellStarted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                endRecord(record, cell, records, lines, recordLine);
                cellStarted = false;
                line++;
                recordLine = line;
            } else {
                cell.append(c);
                cellStarted = true;
            }
        }
        if (quoted) {
            throw invalid(path + " line " + recordLine + ": a quoted cell is never closed");
        }
        endRecord(record, cell, records, lines, recordLine);
    }

    private static void endRecord(
            List<String> record,
            StringBuilder cell,
            List<String[]> records,
            List<Integer> lines,
            int line) {
        if (record.isEmpty() && cell.length() == 0) {
            return; // a blank line
        }
        record.add(cell.toString());
        records.add(record.toArray(new String[0]));
        lines.add(line);
        record.clear();
        cell.setLength(0);
    }

    /** Outputs as CSV text: a header, then one line per row. */
    static String format(Map<String, Tensor> out) {
        List<String> header = new ArrayList<>();
        List<String[]> columns = new ArrayList<>();
        long rows = -1;
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            Tensor t = e.getValue();
            long n = t.rank() == 0 ? 1 : t.dim(0);
            if (rows >= 0 && n != rows) {
                throw new IllegalArgumentException(
                        "output '"
                                + e.getKey()
                                + "' has "
                                + n
                                + " rows but the others have "
                                + rows
                                + "; write .npz instead of CSV");
            }
            rows = n;
            int width = (int) (n == 0 ? widthOf(t) : t.size() / n);
            String[] cells = cells(t);
            for (int j = 0; j < width; j++) {
                header.add(t.rank() <= 1 ? e.getKey() : e.getKey() + "_" + j);
                String[] col = new String[(int) n];
                for (int r = 0; r < n; r++) {
                    col[r] = cells[r * width + j];
                }
                columns.add(col);
            }
        }
        StringBuilder b = new StringBuilder();
        appendRow(b, header.toArray(new String[0]));
        String[] row = new String[columns.size()];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns.size(); c++) {
                row[c] = columns.get(c)[r];
            }
            appendRow(b, row);
        }
        return b.toString();
    }

    /** The elements per row of a tensor of rank 1 or more. */
    private static long widthOf(Tensor t) {
        return Tensor.elementCount(Arrays.copyOfRange(t.shape(), 1, t.rank()));
    }

    private static void appendRow(StringBuilder b, String[] cells) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            String c = cells[i];
            if (c.indexOf(',') >= 0
                    || c.indexOf('"') >= 0
                    || c.indexOf('\n') >= 0
                    || c.indexOf('\r') >= 0) {
                b.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                b.append(c);
            }
        }
        b.append('\n');
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
