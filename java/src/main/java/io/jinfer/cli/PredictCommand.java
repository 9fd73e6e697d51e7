package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.npy.Npy;
import io.jinfer.npy.Npz;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jinfer predict BUNDLE --input FILE [--output FILE]}: .npy/.npz/.csv in and out. */
@Command(name = "predict", description = "Run a bundle on .npy, .npz or .csv inputs.")
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE")
    Path bundle;

    @Option(names = "--input", required = true, description = ".npy (single input), .npz (by input name) or .csv (header row)")
    Path input;

    @Option(names = "--output", description = ".npz, .npy or .csv (default: CSV on stdout)")
    Path output;

    @Option(names = "--backend")
    String backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        LoadOptions opts = LoadOptions.builder().backend(backend).build();
        try (Model model = Models.load(bundle, opts)) {
            Map<String, Tensor> out = model.predict(readInputs(model));
            writeOutputs(out);
        }
        return Main.OK;
    }

    private Map<String, Tensor> readInputs(Model model) throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("no input file at " + input);
        }
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npz")) {
            return Npz.read(input);
        }
        TensorSpec single = singleInput(model);
        if (name.endsWith(".npy")) {
            return Collections.singletonMap(single.name(), Npy.read(input));
        }
        if (name.endsWith(".csv")) {
            return Collections.singletonMap(single.name(), readCsv(single));
        }
        throw new IllegalArgumentException(input + ": expected a .npy, .npz or .csv file");
    }

    private TensorSpec singleInput(Model model) {
        if (model.inputs().size() != 1) {
            throw new IllegalArgumentException("this model takes inputs " + model.inputs() + "; pass them as a .npz");
        }
        return model.inputs().get(0);
    }

    private Tensor readCsv(TensorSpec spec) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(input, StandardCharsets.UTF_8));
        lines.removeIf(String::isBlank);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(input + ": empty CSV; expected a header row of column names");
        }
        List<String> header = Arrays.asList(lines.get(0).split(",", -1));
        if (spec.columns() != null && !spec.columns().equals(header)) {
            throw new IllegalArgumentException(input + ": columns " + header + " do not match the model's " + spec.columns());
        }
        int rows = lines.size() - 1;
        int cols = header.size();
        double[] values = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            String[] cells = lines.get(r + 1).split(",", -1);
            if (cells.length != cols) {
                throw new IllegalArgumentException(input + " line " + (r + 2) + ": expected " + cols + " cells, got " + cells.length);
            }
            for (int c = 0; c < cols; c++) {
                try {
                    values[r * cols + c] = Double.parseDouble(cells[c].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(input + " line " + (r + 2) + ", column " + header.get(c)
                        + ": expected a number, got \"" + cells[c] + "\"");
                }
            }
        }
        Tensor t = Tensor.of(values, rows, cols);
        return spec.dtype() == DType.FLOAT32 ? toFloat32(t) : t;
    }

    /** CSV text is decimal: reading it as float32 is what the user means, even though it narrows. */
    private static Tensor toFloat32(Tensor t) {
        double[] d = t.toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return Tensor.of(f, t.shape());
    }

    private void writeOutputs(Map<String, Tensor> out) throws IOException {
        String name = output == null ? ".csv" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npz")) {
            Npz.write(out, output);
        } else if (name.endsWith(".npy")) {
            if (out.size() != 1) {
                throw new IllegalArgumentException(output + ": .npy holds one array but the model has outputs "
                    + out.keySet() + "; use .npz");
            }
            Npy.write(out.values().iterator().next(), output);
        } else if (name.endsWith(".csv")) {
            String csv = Csv.format(out);
            if (output == null) {
                PrintWriter w = spec.commandLine().getOut();
                w.print(csv);
                w.flush();
            } else {
                Files.write(output, csv.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            throw new IllegalArgumentException(output + ": expected .npz, .npy or .csv");
        }
    }
}
