package io.jinfer;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The element types a {@link Tensor} can hold. Each has an explicit, stable {@link #id()} shared
 * with Python ({@code jinfer._dtypes}); ids are never derived from {@code ordinal()}, so the order
 * of the constants below carries no meaning. {@code tests/conformance/dtypes.json} is the shared
 * copy of this table.
 *
 * <p>{@link #BFLOAT16} has no numpy code of its own: {@code <V2} is what numpy reports (and {@code
 * np.save} writes) for {@code ml_dtypes.bfloat16}. {@link #FLOAT16} and {@link #BFLOAT16} elements
 * are the raw 2-byte IEEE half and brain-float patterns; {@link Tensor#getDouble} widens them.
 */
public enum DType {
    FLOAT32(1, "float32", "<f4", 4),
    FLOAT64(2, "float64", "<f8", 8),
    INT8(3, "int8", "|i1", 1),
    UINT8(4, "uint8", "|u1", 1),
    INT16(5, "int16", "<i2", 2),
    INT32(6, "int32", "<i4", 4),
    INT64(7, "int64", "<i8", 8),
    BOOL(8, "bool", "|b1", 1),
    /** UTF-8 text in Java, {@code <U} or object-of-str in numpy. Variable width. */
    STRING(9, "string", "<U", 0),
    /** IEEE 754 half precision. */
    FLOAT16(10, "float16", "<f2", 2),
    /** bfloat16: the upper 16 bits of a float32 ({@code ml_dtypes.bfloat16} in numpy). */
    BFLOAT16(11, "bfloat16", "<V2", 2),
    UINT16(12, "uint16", "<u2", 2),
    UINT32(13, "uint32", "<u4", 4),
    /** Unsigned 64-bit; {@link Tensor#getLong} returns the same bits as a (signed) long. */
    UINT64(14, "uint64", "<u8", 8);

    private static final Map<Integer, DType> BY_ID = new HashMap<>();
    private static final Map<String, DType> BY_NAME = new HashMap<>();

    /** numpy's {@code np.can_cast(a, b, "safe")} (with ml_dtypes for bfloat16), a != b. */
    private static final Map<DType, Set<DType>> SAFE = new EnumMap<>(DType.class);

    static {
        for (DType d : values()) {
            BY_ID.put(d.id, d);
            BY_NAME.put(d.typeName, d);
        }
        safe(FLOAT32, FLOAT64);
        safe(FLOAT64);
        safe(FLOAT16, FLOAT32, FLOAT64);
        safe(BFLOAT16, FLOAT32, FLOAT64);
        safe(INT8, INT16, INT32, INT64, FLOAT16, BFLOAT16, FLOAT32, FLOAT64);
        safe(INT16, INT32, INT64, FLOAT32, FLOAT64);
        safe(INT32, INT64, FLOAT64);
        safe(INT64, FLOAT64);
        safe(
                UINT8, INT16, INT32, INT64, UINT16, UINT32, UINT64, FLOAT16, BFLOAT16, FLOAT32,
                FLOAT64);
        safe(UINT16, INT32, INT64, UINT32, UINT64, FLOAT32, FLOAT64);
        safe(UINT32, INT64, UINT64, FLOAT64);
        safe(UINT64, FLOAT64);
        Set<DType> all = EnumSet.allOf(DType.class);
        all.removeAll(EnumSet.of(BOOL, STRING));
        SAFE.put(BOOL, all);
        SAFE.put(STRING, EnumSet.noneOf(DType.class));
    }

    private static void safe(DType from, DType... to) {
        Set<DType> set = EnumSet.noneOf(DType.class);
        set.addAll(Arrays.asList(to));
        SAFE.put(from, set);
    }

    private final int id;
    private final String typeName;
    private final String numpyCode;
    private final int byteSize;

    DType(int id, String typeName, String numpyCode, int byteSize) {
        this.id = id;
        this.typeName = typeName;
        this.numpyCode = numpyCode;
        this.byteSize = byteSize;
    }

    /** The stable id shared with Python. */
    public int id() {
        return id;
    }

    /** The name used in manifests, e.g. {@code "float32"}. */
    public String typeName() {
        return typeName;
    }

    /** numpy's array-protocol code, little-endian where it matters, e.g. {@code "<f4"}. */
    public String numpyCode() {
        return numpyCode;
    }

    /** Bytes per element; 0 for {@link #STRING}. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether elements are fixed-size numbers or booleans stored in a buffer. */
    public boolean isNumeric() {
        return this != STRING;
    }

    /**
     * The dtype with this id.
     *
     * @throws IllegalArgumentException for an unknown id
     */
    public static DType fromId(int id) {
        DType d = BY_ID.get(id);
        if (d == null) {
            throw new IllegalArgumentException(
                    "unknown dtype id " + id + "; known ids are " + BY_ID.keySet());
        }
        return d;
    }

    /**
     * The dtype with this manifest name.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static DType fromName(String name) {
        DType d = name == null ? null : BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (d == null) {
            throw new IllegalArgumentException(
                    "unknown dtype '" + name + "'; expected one of " + BY_NAME.keySet());
        }
        return d;
    }

    /**
     * Whether a value of this type converts to {@code target} without loss, by numpy's "safe"
     * casting rule (int64 to float64 counts as safe there, and here).
     */
    public boolean canCastSafelyTo(DType target) {
        return this == target || SAFE.get(this).contains(target);
    }

    /** Whether this is a floating-point type (float16, bfloat16, float32, float64). */
    public boolean isFloating() {
        return this == FLOAT16 || this == BFLOAT16 || this == FLOAT32 || this == FLOAT64;
    }

    /** Whether this is an unsigned integer type (uint8 to uint64). */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    @Override
    public String toString() {
        return typeName;
    }
}
