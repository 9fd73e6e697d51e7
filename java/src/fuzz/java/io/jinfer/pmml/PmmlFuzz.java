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

    /**
     * Jazzer calls this once before it times inputs: the classes the reader needs are loaded (and
     * instrumented) here, not within the first input's time box.
     */
    public static void fuzzerInitialize() {
        Fuzz.warmUp();
        fuzzerTestOneInput(new byte[0]);
        fuzzerTestOneInput( // a regression JPMML can evaluate, so that JPMML is loaded too
                ("<PMML xmlns=\"http://www.dmg.org/PMML-4_4\""
                     + " version=\"4.4\"><Header/><DataDictionary><DataField name=\"x1\""
                     + " optype=\"continuous\" dataType=\"double\"/><DataField name=\"y\""
                     + " optype=\"continuous\""
                     + " dataType=\"double\"/></DataDictionary><RegressionModel"
                     + " functionName=\"regression\"><MiningSchema><MiningField"
                     + " name=\"x1\"/><MiningField name=\"y\""
                     + " usageType=\"target\"/></MiningSchema><RegressionTable"
                     + " intercept=\"1.5\"><NumericPredictor name=\"x1\""
                     + " coefficient=\"2\"/></RegressionTable></RegressionModel></PMML>")
                        .getBytes(StandardCharsets.UTF_8));
    }

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
