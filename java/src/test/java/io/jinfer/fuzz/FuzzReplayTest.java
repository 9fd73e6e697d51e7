package io.jinfer.fuzz;

import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.Test;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every Java fuzz target of {@code tests/fuzz/targets.json} replays its seeds and every minimised
 * finding of {@code tests/fuzz/regressions/NAME/}: a finding once fixed stays fixed in {@code make
 * test}. (The fuzzers themselves run in {@code make fuzz}, not here.)
 */
public class FuzzReplayTest {
    private static final Path FUZZ = Paths.get(System.getProperty("jinfer.fuzz", "tests/fuzz"));
    private static final Path ROOT = FUZZ.toAbsolutePath().getParent().getParent();

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    @Test
    public void everyJavaTargetReplaysItsSeedsAndRegressions() throws Exception {
        JsonNode targets = new ObjectMapper().readTree(FUZZ.resolve("targets.json").toFile());
        int replayed = 0;
        for (Map.Entry<String, JsonNode> t : targets.properties()) {
            if (!t.getValue().has("java")) {
                continue;
            }
            Method target =
                    Class.forName(t.getValue().get("java").asText())
                            .getMethod("fuzzerTestOneInput", byte[].class);
            List<Path> inputs =
                    new ArrayList<>(files(FUZZ.resolve("regressions").resolve(t.getKey())));
            for (JsonNode seed : t.getValue().get("seeds")) {
                assertTrue(
                        t.getKey() + ": " + seed, Files.isDirectory(ROOT.resolve(seed.asText())));
                inputs.addAll(files(ROOT.resolve(seed.asText())));
            }
            assertTrue(t.getKey() + " has no seeds", !inputs.isEmpty());
            for (Path input : inputs) {
                try {
                    target.invoke(null, (Object) Files.readAllBytes(input));
                } catch (InvocationTargetException e) { // only a JinferException may pass inside
                    throw new AssertionError(
                            t.getKey() + " on " + input + ": " + e.getCause(), e.getCause());
                }
                replayed++;
            }
        }
        assertTrue(replayed > 100);
    }
}
