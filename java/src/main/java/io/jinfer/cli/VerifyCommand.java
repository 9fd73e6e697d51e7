package io.jinfer.cli;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jinfer verify BUNDLE}: re-run the stored parity sample through each backend (or one). */
@Command(name = "verify", description = "Re-run the bundle's parity sample through the Java backend(s).")
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE")
    Path bundle;

    @Option(names = "--backend", description = "Verify only this backend's artifact.")
    String backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean ok = true;
        try (Bundle b = Bundle.open(bundle)) {
            Map<String, Tensor> inputs = b.parityInputs();
            Map<String, Tensor> expected = b.parityExpected();
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException(bundle + " has no parity sample (parity/inputs.npz)");
            }
            List<Manifest.Artifact> artifacts = new ArrayList<>();
            for (Manifest.Artifact a : b.manifest().artifacts()) {
                if (backend == null || backend.equalsIgnoreCase(a.backend())) {
                    artifacts.add(a);
                }
            }
            if (artifacts.isEmpty()) {
                throw new IllegalArgumentException("--backend " + backend + ": the bundle has no such artifact");
            }
            Progress progress = new Progress("verify", artifacts.size());
            for (Manifest.Artifact a : artifacts) {
                double rtol = a.parity().path("rtol").asDouble(1e-5);
                double atol = a.parity().path("atol").asDouble(1e-6);
                Map<String, Tensor> actual;
                try (Model m = Models.load(b, LoadOptions.builder().backend(a.backend()).build())) {
                    actual = m.predict(inputs);
                }
                Parity.Result r = Parity.compare(expected, actual, rtol, atol);
                ok &= r.passed;
                progress.step();
                out.printf("%s: %s on %d rows%n", a.backend(), r.passed ? "PASS" : "FAIL", r.rows);
                for (String line : r.lines) {
                    out.println("  " + line);
                }
            }
            progress.done();
        }
        out.flush();
        return ok ? Main.OK : Main.FAILED;
    }
}
