package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.npy.ParitySample;

import org.junit.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every hostile bundle of {@code tests/conformance/zips/} gives the error Python's reader gives
 * ({@code tests/pure/test_conformance.py}), at the same stage: opening, reading the artifacts, or
 * reading the parity sample.
 */
public class ZipConformanceTest {
    private static final List<String> STAGES = List.of("open", "artifact", "parity");

    private static Limits limits(JsonNode c) {
        Limits.Builder b = Limits.builder();
        JsonNode l = c.path("limits");
        if (l.has("max_bundle_bytes")) {
            b.maxBundleBytes(l.get("max_bundle_bytes").asLong());
        }
        if (l.has("max_entries")) {
            b.maxEntries(l.get("max_entries").asInt());
        }
        if (l.has("max_manifest_bytes")) {
            b.maxManifestBytes(l.get("max_manifest_bytes").asLong());
        }
        return b.build();
    }

    /** Opens the bundle, then (as far as {@code stage}) reads each artifact, then the parity. */
    private static void readTo(Path path, String stage, JsonNode c) {
        Limits limits = limits(c);
        try (Bundle b = Bundle.open(path, limits)) {
            if (STAGES.indexOf(stage) >= 1) {
                for (Manifest.Artifact a : b.manifest().artifacts()) {
                    b.readArtifact(a);
                    if (a.backend().equals("onnx")) { // the external-data rule runs at load
                        LoadOptions o =
                                LoadOptions.builder().backend("onnx").limits(limits).build();
                        try (Model m = Models.load(b, o)) {
                            predicts(m, c.path("predict"));
                        }
                    }
                }
            }
            if (STAGES.indexOf(stage) >= 2) {
                ParitySample.inputs(b);
                ParitySample.expected(b);
            }
        }
    }

    private static void predicts(Model m, JsonNode predict) {
        if (predict.isMissingNode()) {
            return;
        }
        JsonNode x = predict.get("x");
        float[][] rows = new float[x.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[x.get(i).size()];
            for (int j = 0; j < rows[i].length; j++) {
                rows[i][j] = (float) x.get(i).get(j).asDouble();
            }
        }
        float[][] got = m.predict(Map.of("x", Tensor.of(rows))).get("prediction").toFloatMatrix();
        for (int i = 0; i < got.length; i++) {
            float[] want = new float[got[i].length];
            for (int j = 0; j < want.length; j++) {
                want[j] = (float) predict.get("prediction").get(i).get(j).asDouble();
            }
            assertArrayEquals(want, got[i], 0f); // the bundle's weights, not a file elsewhere
        }
    }

    @Test
    public void everyHostileBundleGivesTheSharedCodeAtTheSharedStage() {
        JsonNode cases = Conformance.json("zips/cases.json");
        assertTrue(cases.size() >= 30);
        for (Map.Entry<String, JsonNode> e : cases.properties()) {
            String name = e.getKey();
            JsonNode c = e.getValue();
            Path path = Conformance.dir().resolve("zips").resolve(name);
            String stage = c.get("stage").asText();
            for (String earlier : STAGES.subList(0, STAGES.indexOf(stage))) {
                readTo(path, earlier, c); // every stage before the one at fault passes
            }
            if (c.get("code").isNull()) {
                readTo(path, stage, c);
                continue;
            }
            try {
                readTo(path, stage, c);
                fail(name + " was accepted");
            } catch (JinferException ex) {
                String m = ex.getMessage();
                assertEquals(name + ": " + m, c.get("code").asText(), ex.code().name());
                for (JsonNode part : c.get("message_contains")) {
                    assertTrue(
                            name + ": '" + part.asText() + "' not in: " + m,
                            m.contains(part.asText()));
                }
                String contains = c.path("error_contains").asText("").toLowerCase(Locale.ROOT);
                assertTrue(name + ": " + m, m.toLowerCase(Locale.ROOT).contains(contains));
            }
        }
    }
}
