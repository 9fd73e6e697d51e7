package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

/** Every manifest of {@code tests/conformance/manifests/} gives the result Python gives. */
public class ManifestConformanceTest {
    private static byte[] read(String kind, String file) throws IOException {
        return Files.readAllBytes(
                Conformance.dir().resolve("manifests").resolve(kind).resolve(file));
    }

    @Test
    public void validManifestsAreAccepted() throws IOException {
        JsonNode cases = Conformance.json("manifests/cases.json");
        assertTrue(cases.get("valid").size() > 0);
        for (JsonNode f : cases.get("valid")) {
            Manifest m = Manifest.parse(read("valid", f.asText()));
            assertFalse(f.asText(), m.inputs().isEmpty());
            assertFalse(f.asText(), m.artifacts().isEmpty());
        }
    }

    @Test
    public void invalidManifestsAreRefusedWithTheSharedCodeAndWords() throws IOException {
        JsonNode cases = Conformance.json("manifests/cases.json").get("invalid");
        assertTrue(cases.size() > 0);
        for (Map.Entry<String, JsonNode> c : cases.properties()) {
            try {
                Manifest.parse(read("invalid", c.getKey()));
                fail(c.getKey() + " was accepted");
            } catch (BundleException e) {
                assertEquals(
                        c.getKey() + ": " + e.getMessage(),
                        c.getValue().get("code").asText(),
                        e.code().name());
                for (JsonNode word : c.getValue().get("message_contains")) {
                    assertTrue(
                            c.getKey() + ": '" + word.asText() + "' not in: " + e.getMessage(),
                            e.getMessage().contains(word.asText()));
                }
            }
        }
    }

    @Test
    public void unknownFieldsAreIgnoredButKept() throws IOException {
        Manifest m = Manifest.parse(read("valid", "unknown_fields.json"));
        assertTrue(m.raw().size() > 12);
    }

    @Test
    public void createdAtIsARealDateAndTime() throws IOException {
        String valid = new String(read("valid", "classifier_minimal.json"), StandardCharsets.UTF_8);
        String[] real = {
            "2024-02-29T23:59:59Z", "0000-01-01T00:00:00Z", "2026-12-31T00:00:00+01:00"
        };
        String[] unreal = {
            "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
            "2026-01-01T23:59:60Z"
        };
        for (String t : real) {
            assertEquals(t, Manifest.parse(withCreatedAt(valid, t)).createdAt());
        }
        for (String t : unreal) {
            try {
                Manifest.parse(withCreatedAt(valid, t));
                fail(t + " was accepted");
            } catch (BundleException e) {
                assertEquals(ErrorCode.INVALID_MANIFEST, e.code());
                assertTrue(e.getMessage(), e.getMessage().contains("not a real date and time"));
            }
        }
    }

    private static byte[] withCreatedAt(String manifest, String createdAt) {
        String out = manifest.replace("2026-11-22T03:00:00Z", createdAt);
        assertFalse(out.equals(manifest));
        return out.getBytes(StandardCharsets.UTF_8);
    }
}
