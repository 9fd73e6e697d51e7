package io.jinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.BackendException;
import io.jinfer.BackendStatus;
import io.jinfer.Bundle;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.ParitySample;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code jinfer verify BUNDLE [--backend NAME]}: runs the parity sample stored at export ({@code
 * parity/inputs.npz}) through each artifact's backend, or only the named one, and compares the
 * outputs with {@code parity/expected.npz} under the tolerances the artifact records. Prints per
 * output the largest absolute and relative errors. Exit 1 if any artifact fails.
 *
 * <p>Without {@code --backend}, an artifact whose backend is not available in this JVM is skipped
 * with its reason; with it, that is an error (exit 2). Rows run in batches of {@value #BATCH_ROWS},
 * with a progress bar at a console.
 */
@Command(
        name = "verify",
        description = "Re-run the bundle's parity sample through the Java backend(s) and compare.")
final class VerifyCommand extends Verb {
    static final int BATCH_ROWS = 1024;

    @ParentCommand Main main;

    @Mixin BackendOptions backendOptions;

    @Override
    public Integer call() {
        PrintWriter out = out();
        boolean ok = true;
        int verified = 0;
        List<String> skipped = new ArrayList<>();
        try (Bundle b = Bundle.open(bundle.path)) {
            List<Manifest.Artifact> artifacts = artifacts(b.manifest());
            Map<String, Tensor> inputs = ParitySample.inputs(b);
            Map<String, Tensor> expected = ParitySample.expected(b);
            if (inputs.isEmpty() || expected.isEmpty()) {
                throw new IllegalArgumentException(
                        bundle.path
                                + " has no parity sample (parity/inputs.npz and"
                                + " parity/expected.npz); re-export it with jinfer.export to record"
                                + " one");
            }
            for (Manifest.Artifact a : artifacts) {
                BackendStatus be = Models.backendStatus(a.backend());
                String unavailable =
                        !be.installed()
                                ? "no '" + a.backend() + "' backend on the classpath"
                                : be.unavailableReason();
                if (unavailable != null) {
                    if (backendOptions.backend != null) {
                        throw new BackendException(
                                ErrorCode.BACKEND_UNAVAILABLE,
                                "--backend " + backendOptions.backend + ": " + unavailable);
                    }
                    skipped.add(a.backend());
                    out.println(a.backend() + ": SKIPPED (" + unavailable + ")");
                    continue;
                }
                Parity parity = verify(b, a, inputs, expected);
                verified++;
                ok &= parity.passed();
                out.printf(
                        "%s: %s on %d rows (rtol %s, atol %s)%n",
                        a.backend(),
                        parity.passed() ? "PASS" : "FAIL",
                        parity.rows(),
                        parity.rtol(),
                        parity.atol());
                for (String line : parity.lines()) {
                    out.println("  " + line);
                }
                out.flush();
            }
        }
        out.flush();
        if (verified == 0) {
            throw new BackendException(
                    ErrorCode.NO_USABLE_BACKEND,
                    "no artifact could be verified here: the backends "
                            + skipped
                            + " are not available in this JVM");
        }
        return ok ? Main.OK : Main.FAILED;
    }

    private List<Manifest.Artifact> artifacts(Manifest m) {
        List<Manifest.Artifact> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Manifest.Artifact a : m.artifacts()) {
            names.add(a.backend());
            if (backendOptions.backend == null
                    || backendOptions.backend.equalsIgnoreCase(a.backend())) {
                out.add(a);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "--backend " + backendOptions.backend + ": the bundle has only " + names);
        }
        return out;
    }

    /**
     * Runs the sample through one artifact, batch by batch; a backend failure fails the artifact.
     */
    private Parity verify(
            Bundle b,
            Manifest.Artifact a,
            Map<String, Tensor> inputs,
            Map<String, Tensor> expected) {
        JsonNode p = a.parity();
        Parity parity =
                new Parity(
                        expected,
                        number(p, "rtol", Parity.DEFAULT_RTOL),
                        number(p, "atol", Parity.DEFAULT_ATOL));
        // no warm-up: this run of the sample is the check, and a failure is its report, not a
        // refusal
        try (Model m = Models.load(b, backendOptions.forSample(a.backend(), 0))) {
            long rows = Batches.rows(inputs);
            if (rows < 0) {
                parity.add(m.predict(inputs));
                return parity;
            }
            Progress progress = main.progress.start("verify " + a.backend(), rows);
            try {
                long from = 0;
                do {
                    long to = Math.min(rows, from + BATCH_ROWS);
                    parity.add(m.predict(Batches.slice(inputs, from, to)), from, to - from);
                    progress.advance(to - from);
                    from = to;
                } while (from < rows);
            } finally {
                progress.done();
            }
        } catch (BackendException e) {
            parity.failAll("the backend failed: " + Errors.oneLine(e.getMessage()));
        } catch (io.jinfer.InputException e) {
            parity.failAll(
                    "the backend refused the recorded inputs: " + Errors.oneLine(e.getMessage()));
        }
        return parity;
    }

    private static double number(JsonNode parity, String field, double fallback) {
        JsonNode v = parity == null ? null : parity.get(field);
        return v != null && v.isNumber() ? v.asDouble() : fallback;
    }
}
