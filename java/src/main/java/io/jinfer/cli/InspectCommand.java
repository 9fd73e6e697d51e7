package io.jinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.jinfer.BackendStatus;
import io.jinfer.Bundle;
import io.jinfer.Manifest;
import io.jinfer.Models;
import io.jinfer.TensorSpec;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code jinfer inspect BUNDLE [--json]}: the manifest (name, version, task, creation time), the
 * input and output specs, the classes, the artifacts with their size, sha256 prefix, parity figures
 * and whether their backend is available in this JVM. Reads the manifest only; no model is loaded.
 */
@Command(
        name = "inspect",
        description = "Show a bundle's manifest, artifacts, parity figures and input/output specs.")
final class InspectCommand extends Verb {
    @Option(names = "--json", description = "Print the manifest as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = out();
        try (Bundle b = Bundle.open(bundle.path)) {
            Manifest m = b.manifest();
            if (json) {
                out.println(
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValueAsString(m.raw()));
                out.flush();
                return Main.OK;
            }
            out.printf("%s %s  (%s, created %s)%n", m.name(), m.version(), m.task(), m.createdAt());
            if (!m.description().isEmpty()) {
                out.println("  " + m.description());
            }
            out.printf("  bundle: %s (%s)%n", b.path(), b.isZip() ? "zip" : "directory");
            out.println("  inputs:");
            for (TensorSpec s : m.inputs()) {
                out.println(
                        "    " + spec(s) + (s.columns() != null ? " columns=" + s.columns() : ""));
            }
            out.println("  outputs:");
            for (TensorSpec s : m.outputs()) {
                out.println("    " + spec(s));
            }
            if (!m.classes().isEmpty()) {
                out.println("  classes: " + m.classes());
            }
            out.println("  producer: " + producer(m.raw().path("producer")));
            out.println("  artifacts (preference order):");
            for (Manifest.Artifact a : m.artifacts()) {
                BackendStatus be = Models.backendStatus(a.backend());
                String here =
                        !be.installed()
                                ? "no '" + a.backend() + "' backend in this JVM"
                                : be.available()
                                        ? "available here"
                                        : "unavailable here: " + be.unavailableReason();
                out.printf(
                        "    %-6s %s  %d bytes  sha256 %s…  (%s)%n",
                        a.backend(), a.path(), a.bytes(), a.sha256().substring(0, 12), here);
            }
            printParity(out, m);
        }
        out.flush();
        return Main.OK;
    }

    private static String spec(TensorSpec s) {
        return s.name() + ": " + s.dtype() + " " + Arrays.toString(s.shape());
    }

    private static String producer(JsonNode p) {
        List<String> parts = new ArrayList<>();
        parts.add("jinfer " + p.path("jinfer").asText("?"));
        parts.add("python " + p.path("python").asText("?"));
        for (Map.Entry<String, JsonNode> e : p.path("libraries").properties()) {
            parts.add(e.getKey() + " " + e.getValue().asText());
        }
        return String.join(", ", parts);
    }

    static void printParity(PrintWriter out, Manifest m) {
        out.println("  parity (through Java, recorded at export):");
        for (Manifest.Artifact a : m.artifacts()) {
            JsonNode p = a.parity();
            if (p == null || !p.isObject()) {
                out.printf("    %s: not recorded%n", a.backend());
                continue;
            }
            out.printf(
                    "    %s: %s on %s rows (rtol %s, atol %s)%n",
                    a.backend(),
                    p.path("passed").asBoolean() ? "passed" : "FAILED",
                    p.path("rows").asText("?"),
                    p.path("rtol").asText("?"),
                    p.path("atol").asText("?"));
            for (Map.Entry<String, JsonNode> e : p.path("outputs").properties()) {
                JsonNode f = e.getValue();
                out.printf(
                        "      %s: max abs %s, max rel %s, mismatches %s%n",
                        e.getKey(),
                        f.path("max_abs_error").asText("-"),
                        f.path("max_rel_error").asText("-"),
                        f.path("mismatches").asText("-"));
            }
        }
    }
}
