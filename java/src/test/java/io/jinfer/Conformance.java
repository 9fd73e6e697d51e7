package io.jinfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The shared vectors in {@code tests/conformance/}, read by the Java tests as by the Python ones.
 */
public final class Conformance {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Conformance() {}

    public static Path dir() {
        return Paths.get(System.getProperty("jinfer.conformance", "tests/conformance"));
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(dir().resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
