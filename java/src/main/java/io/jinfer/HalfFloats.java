package io.jinfer;

/**
 * The two 16-bit float formats as raw bit patterns: IEEE 754 half precision ({@link DType#FLOAT16})
 * and bfloat16 ({@link DType#BFLOAT16}, the upper half of a float32). Java 17 has neither ({@code
 * Float.float16ToFloat} arrived in Java 20). Narrowing rounds to the nearest value, ties to even,
 * as numpy and ml_dtypes do; NaN stays NaN.
 */
final class HalfFloats {
    private HalfFloats() {}

    /** The float value of a half-precision bit pattern (exact: every half is a float). */
    static float fp16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The half-precision bit pattern nearest to {@code value} (ties to even). */
    static short floatToFp16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7FFFFFFF;
        if (abs >= 0x7F800000) { // infinity or NaN (kept quiet, payload's top bits)
            return (short)
                    (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 | ((abs >>> 13) & 0x3FF) : 0));
        }
        if (abs >= 0x477FF000) { // rounds to a value past the largest half, 65504
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) { // below the smallest normal half, 2^-14: subnormal or zero
            // the value in units of 2^-24, rounded to nearest even by float arithmetic
            float scaled = Float.intBitsToFloat(abs) * 0x1p24f;
            int units = (int) Math.rint(scaled);
            return (short) (sign | units);
        }
        int rounded = abs + 0xFFF + ((abs >>> 13) & 1); // round the 13 dropped bits, ties to even
        return (short) (sign | ((rounded - 0x38000000) >>> 13));
    }

    /** The float value of a bfloat16 bit pattern (exact). */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The bfloat16 bit pattern nearest to {@code value} (ties to even). */
    static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7FFFFFFF) > 0x7F800000) { // NaN: keep it a (quiet) NaN
            return (short) ((f >>> 16) | 0x40);
        }
        return (short) ((f + 0x7FFF + ((f >>> 16) & 1)) >>> 16);
    }
}
