package io.jinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.Bundle;
import io.jinfer.Manifest;
import io.jinfer.Models;
import io.jinfer.TensorSpec;
import io.jinfer.spi.Backend;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jinfer inspect BUNDLE}: manifest, artifacts, parity figures, input and output specs. */
@Command(name = "inspect", description = "Show a bundle's manifest, artifacts, parity figures and specs.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE")
    Path bundle;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Bundle b = Bundle.open(bundle)) {
            Manifest m = b.manifest();
            out.printf("%s %s  (%s, created %s)%n", m.name(), m.version(), m.task(), m.createdAt());
            if (!m.description().isEmpty()) {
                out.println("  " + m.description());
            }
            out.printf("  bundle: %s (%s)%n", b.path(), b.isZip() ? "zip" : "directory");
            out.println("  inputs:");
            for (TensorSpec s : m.inputs()) {
                out.println("    " + s + (s.columns() != null ? " columns=" + s.columns() : ""));
            }
            out.println("  outputs:");
            for (TensorSpec s : m.outputs()) {
                out.println("    " + s);
            }
            if (!m.classes().isEmpty()) {
                out.println("  classes: " + m.classes());
            }
            out.println("  producer: " + m.raw().path("producer"));
            Map<String, Backend> backends = Models.backends();
            out.println("  artifacts (preference order):");
            for (Manifest.Artifact a : m.artifacts()) {
                Backend be = backends.get(a.backend());
                String here = be == null ? "no backend installed" : be.isAvailable() ? "available here" : be.unavailableReason();
                out.printf("    %-6s %s  %d bytes  sha256 %s…  (%s)%n", a.backend(), a.path(), a.bytes(),
                    a.sha256().substring(0, 12), here);
            }
            printParity(out, m);
        }
        out.flush();
        return Main.OK;
    }

    static void printParity(PrintWriter out, Manifest m) {
        out.println("  parity (through Java, recorded at export):");
        for (Manifest.Artifact a : m.artifacts()) {
            JsonNode p = a.parity();
            out.printf("    %s: %s on %s rows (rtol %s, atol %s)%n", a.backend(),
                p.path("passed").asBoolean() ? "passed" : "FAILED", p.path("rows").asText("?"),
                p.path("rtol").asText("?"), p.path("atol").asText("?"));
            Iterator<Map.Entry<String, JsonNode>> it = p.path("outputs").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode f = e.getValue();
                out.printf("      %s: max abs %s, max rel %s, mismatches %s%n", e.getKey(),
                    f.path("max_abs_error").asText("-"), f.path("max_rel_error").asText("-"), f.path("mismatches").asText("-"));
            }
        }
    }
}
