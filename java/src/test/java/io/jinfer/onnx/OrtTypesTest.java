package io.jinfer.onnx;

import static org.junit.Assert.assertEquals;

import ai.onnxruntime.OnnxJavaType;

import io.jinfer.DType;

import org.junit.Test;

public class OrtTypesTest {
    @Test
    public void everyDtypeMapsToAnOrtTypeAndBack() {
        for (DType d : DType.values()) {
            assertEquals(d.toString(), d, OrtTypes.toDType(OrtTypes.toOrtType(d)));
        }
        assertEquals(OnnxJavaType.FLOAT, OrtTypes.toOrtType(DType.FLOAT32));
        assertEquals(OnnxJavaType.UINT8, OrtTypes.toOrtType(DType.UINT8));
    }

    @Test
    public void nestedStringArraysFlattenInCOrder() {
        Object value = new String[][] {{"a", "b", "c"}, {"d", "e", "f"}};
        assertEquals(
                java.util.List.of("a", "b", "c", "d", "e", "f"),
                java.util.List.of(OrtTypes.strings(value, 6)));
    }
}
