package com.example;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.python.PythonException;

import java.nio.file.Path;

/**
 * Calls a scikit-learn pipeline with hand-written Python features (examples/python_model.py), which
 * neither ONNX nor PMML can express, in-process: the real CPython model, no REST hop. Run it inside
 * Python, where the python backend lives:
 *
 * <pre>
 * PYTHONPATH=examples .venv/bin/python -m jinfer run-java \
 *     -cp examples/java-service/build/classes/java/main com.example.PythonModelService build/examples/custom.jinfer
 * </pre>
 */
public final class PythonModelService {
    private PythonModelService() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println(
                    "usage: jinfer run-java -cp CLASSES com.example.PythonModelService BUNDLE");
            System.exit(2);
        }
        // Unpickling runs code: trust only bundles you made (or set JINFER_TRUST_PYTHON=1).
        LoadOptions options = LoadOptions.builder().trustPython(true).build();
        try (Model model = Models.load(Path.of(args[0]), options)) {
            System.out.println("loaded " + model + " classes=" + model.manifest().classes());
            float[][] rows = {
                {5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}, {5.9f, 3.0f, 4.2f, 1.5f}
            };
            Predictions.print(model, rows);

            Tensor one = Tensor.of(new float[][] {rows[0]});
            int calls = 1000;
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                model.predict(one);
            }
            System.out.printf(
                    "%d calls of one row: %.0f µs per call, Java -> CPython -> Java%n",
                    calls, (System.nanoTime() - t0) / 1e3 / calls);
        } catch (PythonException e) {
            // the Python code raised: its type, message and traceback
            System.err.println(
                    e.pythonType() + ": " + e.pythonMessage() + "\n" + e.pythonTraceback());
            System.exit(1);
        } catch (BundleException | BackendException e) {
            // e.g. a module the model needs is missing, or no Python hosts this JVM (use
            // `jinfer run-java`)
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
