package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.Test;

import java.io.IOException;
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
}
