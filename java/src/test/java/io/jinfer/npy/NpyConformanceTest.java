package io.jinfer.npy;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.BundleException;
import io.jinfer.Conformance;
import io.jinfer.ErrorCode;
import io.jinfer.Tensor;

import org.junit.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Java reads every {@code .npy}/{@code .npz} that numpy wrote to the listed values, refuses the
 * invalid ones, and what Java writes reads back the same.
 */
public class NpyConformanceTest {
    private static Path file(String name) {
        return Conformance.dir().resolve("npy").resolve(name);
    }

    static void assertMatches(String what, JsonNode spec, Tensor t) {
        assertEquals(what, spec.get("dtype").asText(), t.dtype().typeName());
        JsonNode shape = spec.get("shape");
        long[] want = new long[shape.size()];
        for (int i = 0; i < want.length; i++) {
            want[i] = shape.get(i).asLong();
        }
        assertArrayEquals(what, want, t.shape());
        JsonNode values = spec.get("values");
        assertEquals(what, values.size(), t.size());
        if (t.isString()) {
            String[] s = t.toStringArray();
            for (int i = 0; i < s.length; i++) {
                assertEquals(what + "[" + i + "]", values.get(i).asText(), s[i]);
            }
        } else if (t.dtype().isFloating()) {
            for (int i = 0; i < values.size(); i++) {
                assertEquals(what + "[" + i + "]", values.get(i).asDouble(), t.getDouble(i), 0.0);
            }
        } else {
            for (int i = 0; i < values.size(); i++) {
                long v =
                        values.get(i).isBoolean()
                                ? (values.get(i).asBoolean() ? 1 : 0)
                                : values.get(i).asLong();
                assertEquals(what + "[" + i + "]", v, t.getLong(i));
            }
        }
    }

    @Test
    public void validFilesReadToTheListedValues() throws IOException {
        JsonNode cases = Conformance.json("npy/cases.json").get("valid");
        assertTrue(cases.size() >= 10);
        for (JsonNode c : cases) {
            String name = c.get("file").asText();
            assertMatches(name, c, Npy.read(file(name)));
        }
    }

    @Test
    public void whatJavaWritesReadsBackTheSame() throws IOException {
        for (JsonNode c : Conformance.json("npy/cases.json").get("valid")) {
            String name = c.get("file").asText();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Npy.write(Npy.read(file(name)), out);
            assertMatches(name + " (rewritten)", c, Npy.read(out.toByteArray()));
        }
    }

    @Test
    public void invalidFilesAreRefusedWithTheListedWords() {
        for (JsonNode c : Conformance.json("npy/cases.json").get("invalid")) {
            String name = c.get("file").asText();
            try {
                Npy.read(file(name));
                fail(name + " was accepted");
            } catch (BundleException e) {
                assertEquals(name + ": " + e.getMessage(), ErrorCode.INVALID_NPY, e.code());
                assertTrue(
                        name + ": " + e.getMessage(),
                        e.getMessage()
                                .toLowerCase(Locale.ROOT)
                                .contains(
                                        c.get("error_contains").asText().toLowerCase(Locale.ROOT)));
            } catch (IOException e) {
                throw new AssertionError(name + " could not be read", e);
            }
        }
    }

    @Test
    public void npzFilesReadByName() throws IOException {
        for (JsonNode c : Conformance.json("npy/cases.json").get("npz")) {
            Map<String, Tensor> arrays = Npz.read(file(c.get("file").asText()));
            int n = 0;
            for (Map.Entry<String, JsonNode> e : c.get("arrays").properties()) {
                assertMatches(
                        c.get("file").asText() + ":" + e.getKey(),
                        e.getValue(),
                        arrays.get(e.getKey()));
                n++;
            }
            assertEquals(n, arrays.size());
        }
    }
}
