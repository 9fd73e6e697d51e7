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

    /** {@code casts.json} is numpy's {@code np.can_cast(a, b, "safe")} (ml_dtypes for bfloat16). */
    @Test
    public void safeCastsAreNumpys() {
        JsonNode safe = Conformance.json("casts.json").get("safe");
        int numeric = 0;
        for (DType from : DType.values()) {
            if (!from.isNumeric()) {
                continue;
            }
            numeric++;
            Set<String> want = new HashSet<>();
            safe.get(from.typeName()).forEach(n -> want.add(n.asText()));
            for (DType to : DType.values()) {
                boolean expected = to == from || want.contains(to.typeName());
                assertEquals(from + " -> " + to, expected, from.canCastSafelyTo(to));
            }
        }
        assertEquals(safe.size(), numeric);
        assertTrue(DType.INT64.canCastSafelyTo(DType.FLOAT64));
        assertFalse(DType.FLOAT64.canCastSafelyTo(DType.FLOAT32));
    }
}
