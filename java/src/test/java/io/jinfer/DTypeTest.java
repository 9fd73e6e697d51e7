package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

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
        assertThrows(IllegalArgumentException.class, () -> DType.fromId(10));
    }

    /** numpy 2.4's {@code np.can_cast(a, b, "safe")} for the numeric dtypes, a != b. */
    @Test
    public void safeCastsAreNumpysTable() {
        Object[][] numpy = {
            {DType.FLOAT32, EnumSet.of(DType.FLOAT64)},
            {DType.FLOAT64, EnumSet.noneOf(DType.class)},
            {
                DType.INT8,
                EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT16, DType.INT32, DType.INT64)
            },
            {
                DType.UINT8,
                EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT16, DType.INT32, DType.INT64)
            },
            {DType.INT16, EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)},
            {DType.INT32, EnumSet.of(DType.FLOAT64, DType.INT64)},
            {DType.INT64, EnumSet.of(DType.FLOAT64)},
            {
                DType.BOOL,
                EnumSet.of(
                        DType.FLOAT32,
                        DType.FLOAT64,
                        DType.INT8,
                        DType.UINT8,
                        DType.INT16,
                        DType.INT32,
                        DType.INT64)
            },
        };
        for (Object[] row : numpy) {
            DType from = (DType) row[0];
            @SuppressWarnings("unchecked")
            Set<DType> safe = (Set<DType>) row[1];
            for (DType to : DType.values()) {
                boolean want = to == from || safe.contains(to);
                assertEquals(from + " -> " + to, want, from.canCastSafelyTo(to));
            }
        }
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
        assertEquals(8, numeric);
        assertEquals(false, DType.STRING.isNumeric());
    }
}
