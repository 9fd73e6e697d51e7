package io.jinfer.pmml;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.fuzz.Fuzz;
import io.jinfer.spi.ArtifactContext;

import java.nio.charset.StandardCharsets;

/**
 * The PMML front door: the bytes as a bundle's {@code model.pmml} (a regression on one column,
 * {@code x1}), through {@link SafeXml} and on into JPMML, as {@code Models.load} reads it.
 */
public final class PmmlFuzz {
    private static final LoadOptions OPTIONS =
            LoadOptions.builder().limits(Fuzz.LIMITS).intraOpThreads(1).build();

    private PmmlFuzz() {}

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(
                () -> {
                    Manifest m = Manifest.parse(manifest(data));
                    ArtifactContext ctx =
                            new ArtifactContext(m, m.artifacts().get(0), () -> data, OPTIONS);
                    PmmlSession.open(ctx).close();
                });
    }

    private static byte[] manifest(byte[] pmml) {
        return ("{\"format\": \"jinfer-bundle\", \"format_version\": 1, \"name\": \"fuzz\","
                        + " \"version\": \"1\", \"created_at\": \"2026-11-22T03:00:00Z\","
                        + " \"task\": \"regression\", \"inputs\": [{\"name\": \"features\","
                        + " \"dtype\": \"float64\", \"shape\": [-1, 1], \"columns\": [\"x1\"]}],"
                        + " \"outputs\": [{\"name\": \"prediction\", \"dtype\": \"float64\","
                        + " \"shape\": [-1]}], \"artifacts\": [{\"backend\": \"pmml\", \"path\":"
                        + " \"model.pmml\", \"sha256\": \""
                        + Bundle.sha256(pmml)
                        + "\", \"bytes\": "
                        + pmml.length
                        + "}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
