package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.Test;

/** float16 and bfloat16 against numpy and ml_dtypes ({@code tests/conformance/halves.json}). */
public class HalfFloatsTest {
    @Test
    public void narrowingRoundsAsNumpyDoes() {
        JsonNode v = Conformance.json("halves.json");
        JsonNode floats = v.get("float32_bits");
        assertTrue(floats.size() > 20);
        for (int i = 0; i < floats.size(); i++) {
            float f = Float.intBitsToFloat((int) floats.get(i).asLong());
            String what = "float " + f;
            assertEquals(
                    what, v.get("float16_bits").get(i).asInt(), HalfFloats.floatToFp16(f) & 0xFFFF);
            assertEquals(
                    what,
                    v.get("bfloat16_bits").get(i).asInt(),
                    HalfFloats.floatToBf16(f) & 0xFFFF);
        }
    }

    /** Widening is exact, so narrowing it back gives every bit pattern again (NaNs stay NaN). */
    @Test
    public void everyPatternSurvivesARoundTrip() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            short h = (short) bits;
            float half = HalfFloats.fp16ToFloat(h);
            float brain = HalfFloats.bf16ToFloat(h);
            if (Float.isNaN(half)) {
                assertTrue(Float.isNaN(HalfFloats.fp16ToFloat(HalfFloats.floatToFp16(half))));
            } else {
                assertEquals(
                        Integer.toHexString(bits), bits, HalfFloats.floatToFp16(half) & 0xFFFF);
            }
            if (Float.isNaN(brain)) {
                assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(brain))));
            } else {
                assertEquals(
                        Integer.toHexString(bits), bits, HalfFloats.floatToBf16(brain) & 0xFFFF);
            }
        }
    }

    @Test
    public void tensorsOfTheNewTypesReadAndCast() {
        Tensor t = Tensor.of(new double[] {0.5, -65504, 1.0 / 3}).castTo(DType.FLOAT16);
        assertEquals(DType.FLOAT16, t.dtype());
        assertEquals(0.5f, t.toFloatArray()[0], 0f);
        assertEquals(-65504f, t.toFloatArray()[1], 0f);
        assertEquals(0.333251953125, t.getDouble(2), 0.0);
        Tensor b = Tensor.of(new float[] {1.5f, 3.0e38f}).castTo(DType.BFLOAT16);
        assertEquals(1.5, b.getDouble(0), 0.0);
        assertEquals(3.0e38, b.getDouble(1), 3.0e38 / 128);
        Tensor u = Tensor.of(new long[] {-1L, 7}).castTo(DType.UINT64);
        assertEquals("18446744073709551615", u.toStringArray()[0]);
        assertEquals(1.8446744073709552e19, u.getDouble(0), 0.0);
        Tensor w = Tensor.of(new long[] {4294967295L}).castTo(DType.UINT32);
        assertEquals(4294967295L, w.toLongArray()[0]);
        assertEquals(65535L, Tensor.of(new long[] {65535}).castTo(DType.UINT16).getLong(0));
    }
}
