package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A transform graph as jinfer's exporter writes one ({@code side_input.onnx}): a batched float16
 * input, a side input without a batch (a shape), a uint32 input on its int32 carrier; outputs of a
 * dynamic width, a scalar, and uint32. ONNX Runtime runs every predict.
 */
public class SideInputsTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private Model load() throws Exception {
        byte[] onnx = TestBundles.resourceBytes("models/side_input.onnx");
        ObjectNode m = TestBundles.base("side_input", "transform");
        ArrayNode inputs = m.putArray("inputs");
        inputs.add(TestBundles.spec("x", "float16", -1, 1));
        inputs.add(TestBundles.spec("shape", "int64", 2).put("batch_dim", -1));
        inputs.add(TestBundles.spec("ids", "uint32", -1));
        ArrayNode outputs = m.putArray("outputs");
        outputs.add(TestBundles.spec("y", "float16", -1, -1));
        outputs.add(TestBundles.spec("count", "int64"));
        outputs.add(TestBundles.spec("next_ids", "uint32", -1));
        m.putArray("artifacts").add(TestBundles.artifact("onnx", "model.onnx", onnx));
        Path bundle =
                TestBundles.zip(
                        tmp.getRoot().toPath().resolve("s.jinfer"), TestBundles.files(m, onnx));
        return Models.load(bundle);
    }

    private static Map<String, Tensor> inputs(int rows, long... shape) {
        double[] x = new double[rows];
        long[] ids = new long[rows];
        for (int r = 0; r < rows; r++) {
            x[r] = 0.5 * r - 1;
            ids[r] = r == 0 ? 4294967295L - 1 : 2147483647L + r;
        }
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.of(x, rows, 1).castTo(DType.FLOAT16));
        in.put("shape", Tensor.of(shape));
        in.put("ids", Tensor.of(ids).castTo(DType.UINT32));
        return in;
    }

    @Test
    public void theSideInputKeepsItsSizeWhateverTheBatch() throws Exception {
        try (Model model = load()) {
            assertFalse(model.inputs().get(1).isBatched());
            Map<String, Tensor> out = model.predict(inputs(3, 1, 5));
            Tensor y = out.get("y");
            assertEquals(DType.FLOAT16, y.dtype());
            assertArrayEquals(new long[] {3, 5}, y.shape());
            assertEquals(-0.5, y.getDouble(5), 0.0); // row 1, every column: 0.5 * 1 - 1
            Tensor count = out.get("count");
            assertEquals(0, count.rank());
            assertEquals(15, count.getLong(0));
            Tensor next = out.get("next_ids");
            assertEquals(DType.UINT32, next.dtype());
            assertArrayEquals(
                    new long[] {4294967295L, 2147483649L, 2147483650L}, next.toLongArray());
        }
    }

    @Test
    public void batchedInputsMustAgreeButTheSideInputNeedNot() throws Exception {
        try (Model model = load()) {
            Map<String, Tensor> in = inputs(4, 1, 2);
            in.put("ids", Tensor.of(new long[] {1, 2, 3}).castTo(DType.UINT32));
            InputException e = assertThrows(InputException.class, () -> model.predict(in));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertTrue(e.getMessage(), e.getMessage().contains("'ids' has batch size 3"));
            assertTrue(e.getMessage(), e.getMessage().contains("'x' has 4"));
            Map<String, Tensor> wrongSide = inputs(4, 1, 2, 3);
            e = assertThrows(InputException.class, () -> model.predict(wrongSide));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertTrue(e.getMessage(), e.getMessage().contains("input 'shape'"));
            assertEquals(8, model.predict(inputs(4, 1, 2)).get("count").getLong(0)); // still usable
        }
    }

    @Test
    public void anEmptyBatchRunsInTheRuntimeWhenTheOutputsAreNotKnownWithoutIt() throws Exception {
        try (Model model = load()) {
            Map<String, Tensor> out = model.predict(inputs(0, 1, 7));
            assertArrayEquals(new long[] {0, 7}, out.get("y").shape());
            assertEquals(0, out.get("count").getLong(0));
        }
    }

    @Test
    public void theManifestReadsTheBatchMarker() throws Exception {
        try (Model model = load()) {
            TensorSpec shape = model.manifest().input("shape");
            assertEquals(-1, shape.batchDim());
            assertEquals(0, model.manifest().input("x").batchDim());
            assertEquals(-1, model.manifest().output("count").batchDim());
            assertTrue(shape.toString(), shape.toString().contains("not batched"));
        }
    }
}
