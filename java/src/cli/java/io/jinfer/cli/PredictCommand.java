package io.jinfer.cli;

import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.npy.Npy;
import io.jinfer.npy.Npz;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jinfer predict BUNDLE --input FILE [--output FILE] [--warmup N] [--backend NAME]}.
 *
 * <p>Inputs: {@code .npy} (a single-input model), {@code .npz} (arrays by input name) or {@code
 * .csv} with a header row (the columns of the single 2-D input, cast to its dtype, or one column
 * per input). Arrays from {@code .npy}/{@code .npz} are taken as they are: a dtype that cannot be
 * cast safely is refused, as {@code Model.predict} refuses it. Outputs go to {@code .npz}, {@code
 * .npy} (a single-output model) or {@code .csv} by the file's extension, or as CSV to stdout
 * without {@code --output}.
 */
@Command(name = "predict", description = "Run a bundle on .npy, .npz or .csv inputs.")
final class PredictCommand extends Verb {
    @Option(
            names = "--input",
            required = true,
            paramLabel = "FILE",
            description =
                    ".npy (single input), .npz (by input name) or .csv (header row of column"
                            + " names)")
    Path input;

    @Option(
            names = "--output",
            paramLabel = "FILE",
            description = ".npz, .npy or .csv (default: CSV on stdout)")
    Path output;

    @Mixin BackendOptions backendOptions;

    @Mixin WarmupOption warmup;

    @Override
    public Integer call() throws IOException {
        String inKind = kind(input, "--input", ".npy, .npz or .csv");
        String outKind = output == null ? ".csv" : kind(output, "--output", ".npz, .npy or .csv");
        if (!Files.isRegularFile(input)) {
            throw new NoSuchFileException(input.toString(), null, "no input file");
        }
        LoadOptions opts = backendOptions.load(warmup.calls(0));
        try (Model model = Models.load(bundle.path, opts)) {
            if (outKind.equals(".npy") && model.outputs().size() != 1) {
                throw new IllegalArgumentException(
                        output
                                + ": a .npy file holds one array but the model has outputs "
                                + names(model.outputs())
                                + "; use .npz or .csv");
            }
            Map<String, Tensor> out = model.predict(readInputs(model, inKind));
            writeOutputs(out, outKind);
        }
        return Main.OK;
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> out = new java.util.ArrayList<>();
        for (TensorSpec s : specs) {
            out.add(s.name());
        }
        return out;
    }

    private static String kind(Path file, String option, String expected) {
        String name =
                file.getFileName() == null
                        ? ""
                        : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".npy", ".npz", ".csv"}) {
            if (name.endsWith(ext)) {
                return ext;
            }
        }
        throw new IllegalArgumentException(
                option + " " + file + ": expected a " + expected + " file");
    }

    private Map<String, Tensor> readInputs(Model model, String kind) throws IOException {
        switch (kind) {
            case ".npz":
                return Npz.read(input);
            case ".npy":
                return Collections.singletonMap(singleInput(model).name(), Npy.read(input));
            default:
                return CsvInputs.of(input, Csv.read(input), model.inputs());
        }
    }

    private TensorSpec singleInput(Model model) {
        List<TensorSpec> specs = model.inputs();
        if (specs.size() != 1) {
            throw new IllegalArgumentException(
                    input
                            + ": a .npy file holds one array but this model takes "
                            + specs.size()
                            + " inputs "
                            + specs
                            + "; pass a .npz keyed by input name");
        }
        return specs.get(0);
    }

    /**
     * Writes the outputs; a file is written atomically, and a failure (a full or read-only disk)
     * names it and leaves the old file as it was.
     */
    private void writeOutputs(Map<String, Tensor> out, String kind) throws IOException {
        try {
            write(out, kind);
        } catch (IOException e) {
            String reason =
                    e instanceof FileSystemException
                                    && ((FileSystemException) e).getReason() != null
                            ? ((FileSystemException) e).getReason()
                            : e.getMessage();
            throw new IOException(
                    "cannot write " + output + ": " + reason + "; nothing was written", e);
        }
    }

    private void write(Map<String, Tensor> out, String kind) throws IOException {
        switch (kind) {
            case ".npz":
                Npz.write(out, output);
                break;
            case ".npy":
                Npy.write(out.values().iterator().next(), output);
                break;
            default:
                String csv = Csv.format(out);
                if (output == null) {
                    PrintWriter w = out();
                    w.print(csv);
                    w.flush();
                } else {
                    Npy.writeAtomically(output, o -> o.write(csv.getBytes(StandardCharsets.UTF_8)));
                }
        }
    }
}
