package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.Test;

import java.util.HashSet;
import java.util.Set;

public class DTypeConformanceTest {
    @Test
    public void theJavaTableEqualsTheSharedOne() {
        JsonNode table = Conformance.json("dtypes.json");
        assertEquals(DType.values().length, table.size());
        for (JsonNode row : table) {
            DType d = DType.fromId(row.get("id").asInt());
            assertEquals(row.get("name").asText(), d.typeName());
            assertEquals(row.get("numpy").asText(), d.numpyCode());
            assertEquals(row.get("itemsize").asInt(), d.byteSize());
            assertEquals(d, DType.fromName(row.get("name").asText()));
        }
    }

    @Test
    public void idsAreUniqueAndNotOrdinals() {
        Set<Integer> ids = new HashSet<>();
        for (DType d : DType.values()) {
            assertTrue(ids.add(d.id()));
        }
        assertEquals(1, DType.FLOAT32.id());
        assertEquals(9, DType.STRING.id());
    }

    @Test
    public void safeCastsFollowNumpy() {
        assertTrue(DType.INT16.canCastSafelyTo(DType.FLOAT32));
        assertTrue(DType.FLOAT32.canCastSafelyTo(DType.FLOAT64));
        assertTrue(DType.INT64.canCastSafelyTo(DType.FLOAT64));
        assertFalse(DType.FLOAT64.canCastSafelyTo(DType.FLOAT32));
        assertFalse(DType.INT32.canCastSafelyTo(DType.FLOAT32));
        assertFalse(DType.STRING.canCastSafelyTo(DType.FLOAT32));
    }
}
