import io.jinfer.JinferException;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.Npz;
import io.jinfer.python.PythonException;

import java.nio.file.Path;
import java.util.Map;

/**
 * Loads a bundle or a live object ({@code python:NAME}) and predicts, printing every output as one
 * line of numbers: {@code out NAME DTYPE D0xD1 v v v ...}.
 *
 * <pre>
 * PyPredict predict LOCATION INPUTS.npz trust|default   load, predict, print
 * PyPredict recover BUNDLE INPUTS.npz                   a Python error (x1 = -5000), then go on
 * PyPredict exit BUNDLE INPUTS.npz                      predict, then System.exit(0) at once
 * PyPredict named PYTHON LOCATION INPUTS.npz            load, trusted, embedding PYTHON
 *                                                       (LoadOptions.pythonExecutable), predict
 * </pre>
 *
 * A {@link JinferException} is printed as {@code error CLASS CODE MESSAGE} and exits 3.
 */
public final class PyPredict {
    private PyPredict() {}

    public static void main(String[] args) throws Exception {
        try {
            if (args[0].equals("predict")) {
                LoadOptions trusted = LoadOptions.builder().trustPython(true).build();
                LoadOptions options = args[3].equals("trust") ? trusted : LoadOptions.defaults();
                predict(args[1], Npz.read(Path.of(args[2])), options);
            } else if (args[0].equals("recover")) {
                recover(args[1], Npz.read(Path.of(args[2])));
            } else if (args[0].equals("named")) {
                LoadOptions options =
                        LoadOptions.builder()
                                .trustPython(true)
                                .pythonExecutable(Path.of(args[1]))
                                .build();
                predict(args[2], Npz.read(Path.of(args[3])), options);
            } else if (args[0].equals("exit")) {
                Model model = Models.load(args[1], LoadOptions.builder().trustPython(true).build());
                model.predict(Npz.read(Path.of(args[2])));
                System.exit(0); // what the Python model printed must not be lost
            } else {
                throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } catch (JinferException e) {
            System.out.println(
                    "error " + e.getClass().getName() + " " + e.code() + " " + e.getMessage());
            System.exit(3);
        }
    }

    private static void predict(String location, Map<String, Tensor> inputs, LoadOptions options) {
        try (Model model = Models.load(location, options)) {
            System.out.println("backend " + model.backend());
            print(model.predict(inputs));
        }
    }

    private static void recover(String bundle, Map<String, Tensor> inputs) {
        try (Model model = Models.load(bundle, LoadOptions.builder().trustPython(true).build())) {
            Tensor features = inputs.get("features");
            float[] bad = features.toFloatArray();
            bad[0] = -5000f;
            try {
                model.predict(Tensor.of(bad, features.shape()));
                System.out.println("no exception");
            } catch (PythonException e) {
                System.out.println(
                        "caught "
                                + e.getClass().getName()
                                + " backend="
                                + (e instanceof io.jinfer.BackendException)
                                + " code="
                                + e.code());
                System.out.println("pythonType " + e.pythonType());
                System.out.println("pythonMessage " + e.pythonMessage());
                System.out.println("message " + e.getMessage());
                System.out.println("traceback-begin");
                System.out.println(e.pythonTraceback());
                System.out.println("traceback-end");
            }
            print(model.predict(inputs)); // the same model, and Python, still work
        }
        System.out.println("recovered");
    }

    static void print(Map<String, Tensor> outputs) {
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            Tensor t = e.getValue();
            StringBuilder line =
                    new StringBuilder("out ")
                            .append(e.getKey())
                            .append(' ')
                            .append(t.dtype().name().toLowerCase())
                            .append(' ');
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                line.append(i == 0 ? "" : "x").append(shape[i]);
            }
            switch (t.dtype()) {
                case FLOAT32:
                    for (float v : t.toFloatArray()) {
                        line.append(' ').append(v);
                    }
                    break;
                case FLOAT64:
                    for (double v : t.toDoubleArray()) {
                        line.append(' ').append(v);
                    }
                    break;
                case STRING:
                    for (String v : t.toStringArray()) {
                        line.append(' ').append(v);
                    }
                    break;
                default:
                    for (long v : t.toLongArray()) {
                        line.append(' ').append(v);
                    }
            }
            System.out.println(line);
        }
    }
}
