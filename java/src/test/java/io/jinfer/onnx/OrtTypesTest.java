package io.jinfer.onnx;

import static org.junit.Assert.assertEquals;

import ai.onnxruntime.OnnxJavaType;

import io.jinfer.DType;

import org.junit.Test;

public class OrtTypesTest {
    @Test
    public void everyDtypeMapsToAnOrtTypeAndBack() {
        for (DType d : DType.values()) {
            assertEquals(d.toString(), d, OrtTypes.readAs(OrtTypes.toOrtType(d), d));
        }
        assertEquals(OnnxJavaType.FLOAT, OrtTypes.toOrtType(DType.FLOAT32));
        assertEquals(OnnxJavaType.UINT8, OrtTypes.toOrtType(DType.UINT8));
        assertEquals(OnnxJavaType.FLOAT16, OrtTypes.toOrtType(DType.FLOAT16));
        assertEquals(OnnxJavaType.BFLOAT16, OrtTypes.toOrtType(DType.BFLOAT16));
    }

    /** uint16/32/64 travel as the signed type of their width, and read back as declared. */
    @Test
    public void unsignedTypesRideOnTheirSignedCarrier() {
        assertEquals(OnnxJavaType.INT16, OrtTypes.toOrtType(DType.UINT16));
        assertEquals(OnnxJavaType.INT32, OrtTypes.toOrtType(DType.UINT32));
        assertEquals(OnnxJavaType.INT64, OrtTypes.toOrtType(DType.UINT64));
        assertEquals(DType.INT32, OrtTypes.toDType(OnnxJavaType.INT32));
        assertEquals(DType.UINT32, OrtTypes.readAs(OnnxJavaType.INT32, DType.UINT32));
        assertEquals(DType.INT32, OrtTypes.readAs(OnnxJavaType.INT32, DType.INT64));
    }

    @Test
    public void nestedStringArraysFlattenInCOrder() {
        Object value = new String[][] {{"a", "b", "c"}, {"d", "e", "f"}};
        assertEquals(
                java.util.List.of("a", "b", "c", "d", "e", "f"),
                java.util.List.of(OrtTypes.strings(value, 6)));
    }
}
