package io.jinfer.onnx;

import ai.onnxruntime.OnnxJavaType;

import io.jinfer.BackendException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;

import java.util.EnumMap;
import java.util.Map;

/**
 * How jinfer's types meet ONNX Runtime's: the dtype of each {@link OnnxJavaType} and back, and the
 * values of a string tensor, which ONNX Runtime hands out as nested {@code String} arrays.
 *
 * <p>ONNX Runtime Java has no uint16, uint32 or uint64 ({@link OnnxJavaType} stops at uint8). Their
 * bytes travel as the signed type of the same width, the <em>carrier</em>: the exporter puts a
 * {@code Cast} at each such input and output of the graph, which keeps the bits, and this backend
 * reads the carrier's bytes back as the unsigned dtype the manifest declares.
 */
final class OrtTypes {
    private static final Map<DType, OnnxJavaType> TO_ORT = new EnumMap<>(DType.class);
    private static final Map<OnnxJavaType, DType> TO_JINFER = new EnumMap<>(OnnxJavaType.class);

    static {
        pair(DType.FLOAT32, OnnxJavaType.FLOAT);
        pair(DType.FLOAT64, OnnxJavaType.DOUBLE);
        pair(DType.INT8, OnnxJavaType.INT8);
        pair(DType.UINT8, OnnxJavaType.UINT8);
        pair(DType.INT16, OnnxJavaType.INT16);
        pair(DType.INT32, OnnxJavaType.INT32);
        pair(DType.INT64, OnnxJavaType.INT64);
        pair(DType.BOOL, OnnxJavaType.BOOL);
        pair(DType.STRING, OnnxJavaType.STRING);
        pair(DType.FLOAT16, OnnxJavaType.FLOAT16);
        pair(DType.BFLOAT16, OnnxJavaType.BFLOAT16);
        TO_ORT.put(DType.UINT16, OnnxJavaType.INT16); // carriers: same width, same bits
        TO_ORT.put(DType.UINT32, OnnxJavaType.INT32);
        TO_ORT.put(DType.UINT64, OnnxJavaType.INT64);
    }

    private OrtTypes() {}

    private static void pair(DType d, OnnxJavaType t) {
        TO_ORT.put(d, t);
        TO_JINFER.put(t, d);
    }

    /**
     * The jinfer dtype of an ONNX Runtime element type.
     *
     * @throws BackendException for a type jinfer has no dtype for (float8, for one)
     */
    static DType toDType(OnnxJavaType t) {
        DType d = TO_JINFER.get(t);
        if (d == null) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE, "ONNX type " + t + " has no jinfer dtype");
        }
        return d;
    }

    /** The ONNX Runtime element type of a jinfer dtype: its own, or its carrier's. */
    static OnnxJavaType toOrtType(DType d) {
        return TO_ORT.get(d);
    }

    /**
     * The dtype of a runtime tensor of type {@code t} that a spec of dtype {@code declared} reads:
     * {@code declared} itself when {@code t} is its type or its carrier (the bytes are read as they
     * are), else the runtime's own dtype (which the caller then casts).
     */
    static DType readAs(OnnxJavaType t, DType declared) {
        return TO_ORT.get(declared) == t ? declared : toDType(t);
    }

    /**
     * The {@code n} strings of a string tensor's value ({@code OnnxTensor.getValue()}: a {@code
     * String} or {@code String[]...[]}), flattened in C order.
     */
    static String[] strings(Object value, int n) {
        String[] out = new String[n];
        int[] at = {0};
        flatten(value, out, at);
        return out;
    }

    private static void flatten(Object v, String[] out, int[] at) {
        if (v instanceof String) {
            out[at[0]++] = (String) v;
        } else if (v instanceof Object[]) {
            for (Object o : (Object[]) v) {
                flatten(o, out, at);
            }
        }
    }
}
