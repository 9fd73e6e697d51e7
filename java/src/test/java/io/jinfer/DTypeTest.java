package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.util.Arrays;

/**
 * The dtype table's fixed facts and numpy's "safe" casting rule; the shared table itself is checked
 * against {@code tests/conformance/dtypes.json} by {@link DTypeConformanceTest}.
 */
public class DTypeTest {
    @Test
    public void idsNamesCodesAndSizesAreTheDocumentedOnes() {
        Object[][] table = {
            {1, "float32", "<f4", 4},
            {2, "float64", "<f8", 8},
            {3, "int8", "|i1", 1},
            {4, "uint8", "|u1", 1},
            {5, "int16", "<i2", 2},
            {6, "int32", "<i4", 4},
            {7, "int64", "<i8", 8},
            {8, "bool", "|b1", 1},
            {9, "string", "<U", 0},
            {10, "float16", "<f2", 2},
            {11, "bfloat16", "<V2", 2},
            {12, "uint16", "<u2", 2},
            {13, "uint32", "<u4", 4},
            {14, "uint64", "<u8", 8},
        };
        assertEquals(table.length, DType.values().length);
        for (Object[] row : table) {
            DType d = DType.fromId((Integer) row[0]);
            assertEquals(row[1], d.typeName());
            assertEquals(row[2], d.numpyCode());
            assertEquals(row[3], d.byteSize());
            assertEquals(row[1], d.toString());
        }
    }

    @Test
    public void lookupsRefuseUnknownsAndNameTheKnownOnes() {
        assertEquals(DType.FLOAT32, DType.fromName("FLOAT32"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DType.fromName("float128"));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("float128") && e.getMessage().contains("float64"));
        assertThrows(IllegalArgumentException.class, () -> DType.fromName(null));
        e = assertThrows(IllegalArgumentException.class, () -> DType.fromId(0));
        assertTrue(e.getMessage(), e.getMessage().contains("0"));
        assertThrows(IllegalArgumentException.class, () -> DType.fromId(15));
    }

    /** Strings cast to nothing else, and nothing else to strings. */
    @Test
    public void stringsCastOnlyToThemselves() {
        assertTrue(DType.STRING.canCastSafelyTo(DType.STRING));
        for (DType d : DType.values()) {
            if (d != DType.STRING) {
                assertEquals(d.toString(), false, DType.STRING.canCastSafelyTo(d));
                assertEquals(d.toString(), false, d.canCastSafelyTo(DType.STRING));
            }
        }
    }

    @Test
    public void onlyStringIsNotNumeric() {
        long numeric = Arrays.stream(DType.values()).filter(DType::isNumeric).count();
        assertEquals(13, numeric);
        assertEquals(false, DType.STRING.isNumeric());
    }
}
