package io.jinfer.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.Conformance;
import io.jinfer.DType;
import io.jinfer.Tensor;

import org.junit.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;

/**
 * The wire format against the shared vector {@code tests/conformance/layout/}, which Python's tests
 * read too: for each case, {@link Layout} lays the tensors out byte for byte as the file holds
 * them, at the offsets it lists, and {@link Layout#view} reads each back from the file.
 */
public class LayoutConformanceTest {
    private static final JsonNode CASES = Conformance.json("layout/cases.json").get("cases");

    /** A tensor of the case's dtype, shape and C-order values. */
    private static Tensor tensor(JsonNode spec) {
        DType dtype = DType.fromName(spec.get("dtype").asText());
        long[] shape = shape(spec);
        JsonNode values = spec.get("values");
        int n = values.size();
        if (dtype == DType.BOOL) {
            boolean[] v = new boolean[n];
            for (int i = 0; i < n; i++) {
                v[i] = values.get(i).asBoolean();
            }
            return Tensor.of(v, shape);
        }
        if (dtype.isFloating()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = values.get(i).asDouble();
            }
            return Tensor.of(v, shape).castTo(dtype);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = values.get(i).asLong();
        }
        return Tensor.of(v, shape).castTo(dtype);
    }

    private static long[] shape(JsonNode spec) {
        JsonNode s = spec.get("shape");
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).asLong();
        }
        return shape;
    }

    private static byte[] file(JsonNode c) throws IOException {
        return Files.readAllBytes(
                Conformance.dir().resolve("layout").resolve(c.get("file").asText()));
    }

    @Test
    public void theVectorCoversEveryNumericDtype() {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (JsonNode c : CASES) {
            c.get("tensors").forEach(t -> seen.add(t.get("dtype").asText()));
        }
        for (DType d : DType.values()) {
            assertTrue(d + " is in no layout case", !d.isNumeric() || seen.contains(d.typeName()));
        }
    }

    @Test
    public void layoutWritesEachCaseByteForByte() throws IOException {
        assumeTrue(
                "the vector is little-endian", ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        for (JsonNode c : CASES) {
            String name = c.get("file").asText();
            byte[] expected = file(c);
            assertEquals(name, c.get("bytes").asLong(), expected.length);
            ByteBuffer buffer =
                    ByteBuffer.allocateDirect(expected.length).order(ByteOrder.nativeOrder());
            long at = 0;
            for (JsonNode spec : c.get("tensors")) {
                assertEquals(
                        name + " " + spec.get("dtype") + " offset",
                        spec.get("offset").asLong(),
                        at);
                at = Layout.put(buffer, at, tensor(spec));
            }
            assertEquals(name + ": where a next tensor would start", expected.length, at);
            byte[] laid = new byte[expected.length];
            buffer.get(0, laid);
            assertArrayEquals(name, expected, laid);
        }
    }

    @Test
    public void viewReadsEachTensorBack() throws IOException {
        assumeTrue(
                "the vector is little-endian", ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        for (JsonNode c : CASES) {
            byte[] bytes = file(c);
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
            buffer.put(bytes).flip();
            for (JsonNode spec : c.get("tensors")) {
                String where = c.get("file").asText() + " at " + spec.get("offset");
                DType dtype = DType.fromName(spec.get("dtype").asText());
                Tensor want = tensor(spec);
                Tensor got = Layout.view(buffer, spec.get("offset").asLong(), dtype, shape(spec));
                assertEquals(where, dtype, got.dtype());
                assertArrayEquals(where, want.shape(), got.shape());
                if (dtype == DType.BOOL) {
                    assertArrayEquals(where, want.toBooleanArray(), got.toBooleanArray());
                } else if (dtype.isFloating()) {
                    assertArrayEquals(where, want.toDoubleArray(), got.toDoubleArray(), 0.0);
                } else {
                    for (int i = 0; i < want.size(); i++) {
                        assertEquals(where + "[" + i + "]", want.getLong(i), got.getLong(i));
                    }
                }
            }
        }
    }
}
