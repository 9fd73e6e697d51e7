package io.jinfer.cli;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.DType;
import io.jinfer.InputException;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CLI's CSV reader and writer, CSV-to-input mapping, batching and parity rule. */
public class CsvAndParityTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private Csv.Table table(String text) throws IOException {
        Path p = tmp.newFile().toPath();
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        return Csv.read(p);
    }

    @Test
    public void csvQuotesAndBlankLinesAndByteOrderMark() throws IOException {
        Csv.Table t =
                table(
                        "\uFEFFname,\"note, with comma\"\n\n"
                                + "\"a \"\"quoted\"\" word\",\"two\n"
                                + "lines\"\n"
                                + "b,\r\n");
        assertEquals(List.of("name", "note, with comma"), t.header());
        assertEquals(2, t.rows().size());
        assertArrayEquals(new String[] {"a \"quoted\" word", "two\nlines"}, t.rows().get(0));
        assertArrayEquals(new String[] {"b", ""}, t.rows().get(1));
        assertEquals(List.of(3, 5), t.lines());
        InputException e = assertThrows(InputException.class, () -> table("a,b\n\"open,1\n"));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("line 2") && e.getMessage().contains("never closed"));
        e = assertThrows(InputException.class, () -> table("a,a\n1,2\n"));
        assertTrue(e.getMessage(), e.getMessage().contains("'a' twice"));
        e = assertThrows(InputException.class, () -> table("\n\n"));
        assertTrue(e.getMessage(), e.getMessage().contains("empty CSV"));
    }

    @Test
    public void formatWritesOneColumnPerValueAndQuotesWhereNeeded() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("label", Tensor.of(new String[] {"setosa", "a,b", "say \"hi\""}));
        out.put("probabilities", Tensor.of(new float[] {0.5f, 0.5f, 1, 0, 0.25f, 0.75f}, 3, 2));
        out.put("flag", Tensor.of(new boolean[] {true, false, true}));
        assertEquals(
                "label,probabilities_0,probabilities_1,flag\n"
                        + "setosa,0.5,0.5,true\n"
                        + "\"a,b\",1.0,0.0,false\n"
                        + "\"say \"\"hi\"\"\",0.25,0.75,true\n",
                Csv.format(out));
        Map<String, Tensor> empty = Map.of("prediction", Tensor.zeros(DType.FLOAT64, 0, 2));
        assertEquals("prediction_0,prediction_1\n", Csv.format(empty));
        Map<String, Tensor> ragged = new LinkedHashMap<>();
        ragged.put("a", Tensor.of(new long[] {1, 2}));
        ragged.put("b", Tensor.of(new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Csv.format(ragged)); // our outputs
    }

    @Test
    public void csvColumnsAreCastToTheInputDtype() throws IOException {
        Csv.Table t = table("b,a\n1,-2\n3,4\n");
        TensorSpec ints =
                new TensorSpec("features", DType.INT32, new long[] {-1, 2}, List.of("a", "b"));
        Tensor x = CsvInputs.of(Path.of("t.csv"), t, List.of(ints)).get("features");
        assertEquals(DType.INT32, x.dtype());
        assertArrayEquals(
                new int[] {-2, 1, 4, 3}, x.toIntArray()); // reordered to the spec's columns

        TensorSpec bytes = new TensorSpec("features", DType.UINT8, new long[] {-1, 2}, null);
        InputException e =
                assertThrows(
                        InputException.class,
                        () -> CsvInputs.of(Path.of("t.csv"), t, List.of(bytes)));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("line 2")
                        && e.getMessage().contains("column 'a'")
                        && e.getMessage().contains("[0, 255]"));

        Csv.Table f = table("x\n1.5\nnan\n-inf\n1e3\n");
        TensorSpec floats = new TensorSpec("x", DType.FLOAT64, new long[] {-1, 1}, null);
        double[] v = CsvInputs.of(Path.of("f.csv"), f, List.of(floats)).get("x").toDoubleArray();
        assertArrayEquals(new double[] {1.5, Double.NaN, Double.NEGATIVE_INFINITY, 1000}, v, 0.0);
        Csv.Table javaisms = table("x\n1d\n");
        assertThrows(
                InputException.class,
                () -> CsvInputs.of(Path.of("f.csv"), javaisms, List.of(floats)));
    }

    @Test
    public void oneInputPerColumnForMixedTables() throws IOException {
        Csv.Table t = table("city,age,member\nParis,31,true\n\"New York, NY\",4.0,0\n");
        List<TensorSpec> specs =
                List.of(
                        new TensorSpec("age", DType.INT64, new long[] {-1, 1}, null),
                        new TensorSpec("city", DType.STRING, new long[] {-1}, null),
                        new TensorSpec("member", DType.BOOL, new long[] {-1}, null));
        Map<String, Tensor> in = CsvInputs.of(Path.of("m.csv"), t, specs);
        assertArrayEquals(new long[] {2, 1}, in.get("age").shape());
        assertArrayEquals(new long[] {31, 4}, in.get("age").toLongArray());
        assertArrayEquals(new String[] {"Paris", "New York, NY"}, in.get("city").toStringArray());
        assertArrayEquals(new boolean[] {true, false}, in.get("member").toBooleanArray());

        Csv.Table extra = table("city,age,member,shoe\nParis,31,true,42\n");
        InputException e =
                assertThrows(
                        InputException.class, () -> CsvInputs.of(Path.of("m.csv"), extra, specs));
        assertTrue(e.getMessage(), e.getMessage().contains("unexpected [shoe]"));
        List<TensorSpec> image =
                List.of(new TensorSpec("pixels", DType.FLOAT32, new long[] {-1, 8, 8}, null));
        e = assertThrows(InputException.class, () -> CsvInputs.of(Path.of("m.csv"), extra, image));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'pixels'") && e.getMessage().contains(".npz"));
    }

    @Test
    public void batchesAreViewsOfTheRows() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 4, 2);
        Tensor s = Tensor.ofStrings(new String[] {"a", "b", "c", "d"}, 4);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", x);
        in.put("s", s);
        assertEquals(4, Batches.rows(in));
        Map<String, Tensor> mid = Batches.slice(in, 1, 3);
        assertArrayEquals(new float[] {2, 3, 4, 5}, mid.get("x").toFloatArray(), 0f);
        assertArrayEquals(new long[] {2, 2}, mid.get("x").shape());
        assertArrayEquals(new String[] {"b", "c"}, mid.get("s").toStringArray());
        in.put("scalar", Tensor.of(new double[] {1}, new long[0]));
        assertEquals(-1, Batches.rows(in));
    }

    @Test
    public void parityJudgesFloatsOnTheOutputsScaleAndLabelsExactly() {
        Map<String, Tensor> expected = new LinkedHashMap<>();
        expected.put("prediction", Tensor.of(new double[] {1000, 0.001, Double.NaN}));
        expected.put("label", Tensor.of(new long[] {1, 2, 3}));
        Parity p = new Parity(expected, 1e-5, 1e-6);
        Map<String, Tensor> actual = new LinkedHashMap<>();
        // 0.001 -> 0.006 is a 500% relative error, but within 1e-6 + 1e-5 * 1000 of the output's
        // scale
        actual.put("prediction", Tensor.of(new double[] {1000.005, 0.006, Double.NaN}));
        actual.put("label", Tensor.of(new long[] {1, 2, 3}));
        p.add(actual);
        assertTrue(p.lines().toString(), p.passed());
        assertEquals(3, p.rows());

        Parity q = new Parity(expected, 1e-5, 1e-6);
        actual.put("prediction", Tensor.of(new double[] {1000.02, 0.001, 1}));
        actual.put("label", Tensor.of(new long[] {1, 5, 3}));
        q.add(actual);
        assertFalse(q.passed());
        assertEquals(
                List.of(
                        "prediction: max_abs_error=0.01999999999998181,"
                                + " max_rel_error=1.999999999998181E-5, mismatches=2",
                        "label: max_abs_error=3.0, max_rel_error=1.5, mismatches=1"),
                q.lines());

        Parity r = new Parity(expected, 1e-5, 1e-6);
        actual.remove("label");
        actual.put("prediction", Tensor.of(new double[] {1000, 0.001}));
        r.add(actual);
        assertEquals(
                List.of(
                        "prediction: error=shape [2], expected [3], mismatches=3",
                        "label: error=output missing, mismatches=3"),
                r.lines());
    }

    @Test
    public void parityComparesBatchesAgainstTheirRows() {
        Map<String, Tensor> expected = Map.of("y", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 3, 2));
        Parity p = new Parity(expected, 0, 0);
        p.add(Map.of("y", Tensor.of(new float[] {0, 1, 2, 3}, 2, 2)), 0, 2);
        p.add(Map.of("y", Tensor.of(new float[] {4, 5.5f}, 1, 2)), 2, 1);
        assertEquals(List.of("y: max_abs_error=0.5, max_rel_error=0.1, mismatches=1"), p.lines());
        Parity tooMany = new Parity(expected, 0, 0);
        tooMany.add(Map.of("y", Tensor.of(new float[] {4, 5, 6, 7}, 2, 2)), 2, 2);
        assertEquals(
                List.of("y: error=shape [2, 2], expected [2, 2] (rows 2 to 4 of 3), mismatches=6"),
                tooMany.lines());
        Parity short1 = new Parity(expected, 0, 0);
        short1.add(Map.of("y", Tensor.of(new float[] {0, 1}, 1, 2)), 0, 2);
        assertEquals(
                List.of("y: error=shape [1, 2], expected [2, 2] (rows 0 to 2 of 3), mismatches=6"),
                short1.lines());
    }

    @Test
    public void stringLabelsCompareExactly() {
        Parity p = new Parity(Map.of("label", Tensor.of(new String[] {"cat", "dog"})), 1e-5, 1e-6);
        p.add(Map.of("label", Tensor.of(new String[] {"cat", "Dog"})));
        assertEquals(
                List.of("label: max_abs_error=None, max_rel_error=None, mismatches=1"), p.lines());
    }
}
