package io.jinfer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The element types a {@link Tensor} can hold. Each has an explicit, stable {@link #id()} shared
 * with Python ({@code jinfer._dtypes}); ids are never derived from {@code ordinal()}, so the order
 * of the constants below carries no meaning. {@code tests/conformance/dtypes.json} is the shared
 * copy of this table.
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
    STRING(9, "string", "<U", 0);

    private static final Map<Integer, DType> BY_ID = new HashMap<>();
    private static final Map<String, DType> BY_NAME = new HashMap<>();

    static {
        for (DType d : values()) {
            BY_ID.put(d.id, d);
            BY_NAME.put(d.typeName, d);
        }
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
        if (this == target) {
            return true;
        }
        if (this == STRING || target == STRING) {
            return false;
        }
        switch (this) {
            case BOOL:
                return target != BOOL;
            case INT8:
                return target == INT16
                        || target == INT32
                        || target == INT64
                        || target == FLOAT32
                        || target == FLOAT64;
            case UINT8:
                return target == INT16
                        || target == INT32
                        || target == INT64
                        || target == FLOAT32
                        || target == FLOAT64;
            case INT16:
                return target == INT32 || target == INT64 || target == FLOAT32 || target == FLOAT64;
            case INT32:
            case INT64:
                return target == INT64 || target == FLOAT64;
            case FLOAT32:
                return target == FLOAT64;
            default:
                return false;
        }
    }

    @Override
    public String toString() {
        return typeName;
    }
}
