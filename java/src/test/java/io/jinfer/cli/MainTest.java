package io.jinfer.cli;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jinfer.Tensor;
import io.jinfer.TestBundles;
import io.jinfer.npy.Npy;
import io.jinfer.npy.Npz;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java CLI run in-process through {@link Main#run(PrintStream, PrintStream, String...)}: exit
 * codes, output, and errors as one line on stderr. Real bundles, real ONNX Runtime.
 */
public class MainTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private Path dir;
    private Path iris;

    /** One CLI run. */
    static final class Run {
        final int code;
        final String out;
        final String err;

        Run(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }

        /**
         * Asserts a failure with exactly one line on stderr, {@code jinfer: error: ...}, holding
         * these words.
         */
        Run failsWith(int expected, String... words) {
            assertEquals("exit code; stderr: " + err + " stdout: " + out, expected, code);
            assertTrue("stderr: " + err, err.startsWith("jinfer: error: "));
            assertEquals("one line on stderr: " + err, 1, err.split("\n", -1).length - 1);
            assertFalse(err, err.contains("\tat "));
            for (String w : words) {
                assertTrue("'" + w + "' not in: " + err, err.contains(w));
            }
            return this;
        }

        Run ok() {
            assertEquals("stderr: " + err + " stdout: " + out, Main.OK, code);
            assertEquals("", err);
            return this;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                Main.run(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        args);
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Before
    public void bundles() throws IOException {
        dir = tmp.getRoot().toPath();
        iris = TestBundles.irisZip(dir.resolve("iris.jinfer"));
    }

    private Path file(String name) {
        return dir.resolve(name);
    }

    private Path write(String name, String text) throws IOException {
        return Files.write(file(name), text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code rows.csv}: one iris row under the column names the bundle records. */
    private Path oneIrisRow() throws IOException {
        return write(
                "rows.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n");
    }

    /** {@code jinfer predict IRIS --input IN --output OUT}. */
    private Run predict(Path in, Path out) {
        return run(
                "predict", iris.toString(), "--input", in.toString(), "--output", out.toString());
    }

    /** An iris bundle whose recorded labels differ from the model's in one row. */
    private Path irisWithOneWrongLabel() throws IOException {
        byte[] onnx = TestBundles.resourceBytes("models/iris_lr.onnx");
        Map<String, Tensor> expected =
                new LinkedHashMap<>(Npz.read(TestBundles.resource("models/iris_expected.npz")));
        long[] labels = expected.get("label").toLongArray();
        labels[7] = (labels[7] + 1) % 3;
        expected.put("label", Tensor.of(labels));
        Map<String, byte[]> files = TestBundles.files(TestBundles.irisManifest(onnx), onnx);
        files.put("parity/inputs.npz", TestBundles.resourceBytes("models/iris_inputs.npz"));
        files.put("parity/expected.npz", TestBundles.npz(expected));
        return TestBundles.zip(file("wrong-label.jinfer"), files);
    }

    /**
     * add_mul with a parity sample of {@code rows} rows; {@code w}'s last value off by {@code
     * error}.
     */
    private Path addMulWithParity(int rows, double error) throws IOException {
        byte[] onnx = TestBundles.resourceBytes("models/add_mul.onnx");
        float[] x = new float[rows * 3];
        float[] y = new float[rows * 3];
        double[] z = new double[rows * 2];
        double[] w = new double[rows * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.5f;
            y[i] = x[i] + 1 + (i % 3);
        }
        for (int i = 0; i < z.length; i++) {
            z[i] = i / 3.0;
            w[i] = 2 * z[i];
        }
        w[w.length - 1] += error;
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.of(x, rows, 3));
        in.put("z", Tensor.of(z, rows, 2));
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("y", Tensor.of(y, rows, 3));
        out.put("w", Tensor.of(w, rows, 2));
        Map<String, byte[]> files = TestBundles.files(TestBundles.addMulManifest(onnx), onnx);
        files.put("parity/inputs.npz", TestBundles.npz(in));
        files.put("parity/expected.npz", TestBundles.npz(out));
        return TestBundles.zip(file("add_mul_" + rows + ".jinfer"), files);
    }

    // ---------------------------------------------------------------- global

    @Test
    public void noVerbIsBadUsage() {
        run().failsWith(Main.USAGE, "a verb is required", "--help");
    }

    @Test
    public void unknownVerbsAndOptionsAreBadUsage() {
        run("frobnicate").failsWith(Main.USAGE, "frobnicate");
        run("inspect", iris.toString(), "--colour")
                .failsWith(Main.USAGE, "--colour", "jinfer inspect --help");
        run("predict", iris.toString()).failsWith(Main.USAGE, "--input");
        run("inspect").failsWith(Main.USAGE, "BUNDLE");
    }

    @Test
    public void versionAndHelp() {
        Run v = run("--version").ok();
        assertTrue(
                v.out,
                v.out.startsWith("jinfer " + System.getProperty("jinfer.version") + " (Java "));
        Run h = run("--help").ok();
        for (String verb : new String[] {"inspect", "verify", "predict", "--debug"}) {
            assertTrue(verb + " in " + h.out, h.out.contains(verb));
        }
        assertTrue(run("predict", "--help").ok().out.contains("--output"));
    }

    @Test
    public void debugAddsTheStackTraceToTheError() {
        Run r = run("--debug", "inspect", dir.resolve("absent.jinfer").toString());
        assertEquals(Main.USAGE, r.code);
        assertTrue(r.err, r.err.contains("io.jinfer.BundleException") && r.err.contains("\tat "));
        assertTrue(r.err, r.err.trim().endsWith(dir.resolve("absent.jinfer").toString()));
        Run after = run("inspect", dir.resolve("absent.jinfer").toString(), "--debug");
        assertTrue(after.err, after.err.contains("\tat "));
    }

    // ---------------------------------------------------------------- inspect

    @Test
    public void inspectShowsManifestSpecsArtifactsAndParity() {
        String out = run("inspect", iris.toString()).ok().out;
        for (String s :
                new String[] {
                    "iris 1.0.0",
                    "classification",
                    "created 2026-11-22T03:00:00Z",
                    "zip",
                    "features: float32 [-1, 4]",
                    "columns=[sepal_length, sepal_width, petal_length, petal_width]",
                    "label: int64 [-1]",
                    "probabilities: float32 [-1, 3]",
                    "classes: [0, 1, 2]",
                    "jinfer 0.1.0",
                    "model.onnx",
                    "available here",
                    "parity",
                    "passed on 30 rows"
                }) {
            assertTrue("'" + s + "' not in:\n" + out, out.contains(s));
        }
        String sha = io.jinfer.Bundle.sha256(TestBundles.resourceBytes("models/iris_lr.onnx"));
        assertTrue(out, out.contains("sha256 " + sha.substring(0, 12)));
        assertTrue(
                out,
                out.contains(TestBundles.resourceBytes("models/iris_lr.onnx").length + " bytes"));
    }

    @Test
    public void inspectJsonPrintsTheManifest() throws IOException {
        JsonNode printed =
                TestBundles.JSON.readTree(run("inspect", iris.toString(), "--json").ok().out);
        ObjectNode original =
                TestBundles.irisManifest(TestBundles.resourceBytes("models/iris_lr.onnx"));
        assertEquals(TestBundles.JSON.readTree(TestBundles.json(original)), printed);
    }

    @Test
    public void inspectOfAMissingOrCorruptBundleIsOneLine() throws IOException {
        run("inspect", file("absent.jinfer").toString())
                .failsWith(Main.USAGE, "no bundle at", "absent.jinfer");
        byte[] bytes = Files.readAllBytes(iris);
        Path cut =
                Files.write(file("cut.jinfer"), java.util.Arrays.copyOf(bytes, bytes.length / 3));
        run("inspect", cut.toString()).failsWith(Main.USAGE, "cut.jinfer");
    }

    // ---------------------------------------------------------------- verify

    @Test
    public void verifyPassesOnAFaithfulBundle() {
        String out = run("verify", iris.toString()).ok().out;
        assertTrue(out, out.contains("onnx: PASS on 30 rows"));
        assertTrue(out, out.contains("label: max_abs_error=0.0, max_rel_error=0.0, mismatches=0"));
        assertTrue(out, out.contains("probabilities: max_abs_error="));
        assertTrue(run("verify", iris.toString(), "--backend", "onnx").ok().out.contains("PASS"));
    }

    @Test
    public void theBundlePythonExportedInspectsAndVerifies() {
        Path exported =
                io.jinfer.Conformance.dir().resolve("bundles").resolve("iris-logreg.jinfer");
        String info = run("inspect", exported.toString()).ok().out;
        assertTrue(
                info,
                info.contains("iris-logreg 1.0.0")
                        && info.contains("scikit-learn 1.7.2")
                        && info.contains("onnx: passed on 150 rows")
                        && info.contains("probabilities: max abs 2.2055704451684477E-7"));
        String out = run("verify", exported.toString()).ok().out;
        assertTrue(out, out.contains("onnx: PASS on 150 rows (rtol 1.0E-5, atol 1.0E-6)"));
        assertTrue(out, out.contains("label: max_abs_error=0.0, max_rel_error=0.0, mismatches=0"));
    }

    @Test
    public void verifyFailsWithExitOneWhenALabelDiffers() throws IOException {
        Run r = run("verify", irisWithOneWrongLabel().toString());
        assertEquals(r.err, Main.FAILED, r.code);
        assertTrue(r.out, r.out.contains("onnx: FAIL on 30 rows"));
        assertTrue(
                r.out,
                r.out.contains("label: max_abs_error=1.0") && r.out.contains("mismatches=1"));
        assertTrue(
                r.out,
                r.out.contains("probabilities: max_abs_error=")
                        && r.out.contains("probabilities: max_abs_error=")
                        && r.out.split("mismatches=0").length == 2);
        assertEquals("", r.err);
    }

    @Test
    public void verifyRunsManyRowsInBatchesAndFindsAnErrorInTheLastOne() throws IOException {
        String out = run("verify", addMulWithParity(2500, 0).toString()).ok().out;
        assertTrue(out, out.contains("onnx: PASS on 2500 rows"));
        assertTrue(out, out.contains("w: max_abs_error=0.0"));
        Run r = run("verify", addMulWithParity(2500, 1.0).toString());
        assertEquals(r.out, Main.FAILED, r.code);
        assertTrue(r.out, r.out.contains("w: max_abs_error=1.0") && r.out.contains("mismatches=1"));
        assertTrue(r.out, r.out.contains("y: max_abs_error=0.0"));
    }

    @Test
    public void verifyToleranceComesFromTheArtifact() throws IOException {
        // w's last value is off by 0.01: within 1e-6 + 1e-5 * 1332.7 (the defaults, w's largest
        // value), not within 1e-9
        Path lenient = addMulWithParity(1000, 0.01);
        assertEquals(Main.OK, run("verify", lenient.toString()).code);
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (io.jinfer.Bundle b = io.jinfer.Bundle.open(lenient)) {
            for (String name : b.names()) {
                files.put(name, b.read(name));
            }
        }
        ObjectNode m = (ObjectNode) TestBundles.JSON.readTree(files.get("manifest.json"));
        ((ObjectNode) m.get("artifacts").get(0).get("parity")).put("rtol", 1e-9).put("atol", 1e-9);
        files.put("manifest.json", TestBundles.json(m));
        Run strict = run("verify", TestBundles.zip(file("strict.jinfer"), files).toString());
        assertEquals(strict.out, Main.FAILED, strict.code);
        assertTrue(strict.out, strict.out.contains("rtol 1.0E-9"));
    }

    @Test
    public void verifyOfAnAbsentBackendOrSampleIsBadUsage() throws IOException {
        run("verify", iris.toString(), "--backend", "pmml")
                .failsWith(Main.USAGE, "--backend pmml", "[onnx]");
        Path noSample = TestBundles.addMulZip(file("no-sample.jinfer"));
        run("verify", noSample.toString()).failsWith(Main.USAGE, "no parity sample");
    }

    // ---------------------------------------------------------------- predict

    @Test
    public void predictNpzToNpz() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.of(new float[][] {{1, 1, 1}, {0, 0, 0}}));
        in.put("z", Tensor.of(new double[][] {{0.25, 3}, {1, 1}}));
        Path input = file("in.npz");
        Npz.write(in, input);
        Path output = file("out.npz");
        run(
                        "predict",
                        TestBundles.addMulZip(file("am.jinfer")).toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString())
                .ok();
        Map<String, Tensor> out = Npz.read(output);
        assertEquals(List.of("y", "w"), List.copyOf(out.keySet()));
        assertArrayEquals(new float[][] {{2, 3, 4}, {1, 2, 3}}, out.get("y").toFloatMatrix());
        assertArrayEquals(new double[] {0.5, 6, 2, 2}, out.get("w").toDoubleArray(), 0.0);
    }

    @Test
    public void predictCsvToStdout() throws IOException {
        Path csv =
                write(
                        "rows.csv",
                        "sepal_length,sepal_width,petal_length,petal_width\n"
                                + "5.1,3.5,1.4,0.2\n"
                                + "6.7,3.0,5.2,2.3\n");
        Run r = run("predict", iris.toString(), "--input", csv.toString()).ok();
        String[] lines = r.out.split("\n");
        assertEquals(3, lines.length);
        assertEquals("label,probabilities_0,probabilities_1,probabilities_2", lines[0]);
        assertTrue(lines[1], lines[1].startsWith("0,"));
        assertTrue(lines[2], lines[2].startsWith("2,"));

        // columns in another order, quoted header cells, CRLF line ends: the same answer
        Path shuffled =
                write(
                        "shuffled.csv",
                        "petal_width,\"sepal_length\",petal_length,sepal_width\r\n"
                                + "0.2,5.1,1.4,3.5\r\n"
                                + "2.3,6.7,5.2,3.0\r\n");
        assertEquals(
                r.out, run("predict", iris.toString(), "--input", shuffled.toString()).ok().out);
    }

    @Test
    public void predictCsvToFilesOfEachKind() throws IOException {
        Path csv = oneIrisRow();
        Path outCsv = file("out.csv");
        assertEquals("", predict(csv, outCsv).ok().out);
        assertTrue(Files.readString(outCsv).startsWith("label,probabilities_0"));
        Path outNpz = file("out.npz");
        predict(csv, outNpz).ok();
        Map<String, Tensor> out = Npz.read(outNpz);
        assertArrayEquals(new long[] {0}, out.get("label").toLongArray());
        assertEquals(
                1.0,
                out.get("probabilities").toDoubleArray()[0]
                        + out.get("probabilities").toDoubleArray()[1]
                        + out.get("probabilities").toDoubleArray()[2],
                1e-5);
    }

    @Test
    public void predictNpyOfTheSingleInput() throws IOException {
        Path npy = file("features.npy");
        Npy.write(Npz.read(TestBundles.resource("models/iris_inputs.npz")).get("features"), npy);
        Run r = run("predict", iris.toString(), "--input", npy.toString()).ok();
        assertEquals(31, r.out.split("\n").length);
        predict(npy, file("out.npy"))
                .failsWith(Main.USAGE, ".npy", "[label, probabilities]", ".npz");
        assertFalse(Files.exists(file("out.npy")));
    }

    @Test
    public void predictRefusesInputsTheModelCannotTake() throws IOException {
        Path f64 = file("f64.npy");
        Npy.write(Tensor.of(new double[][] {{5.1, 3.5, 1.4, 0.2}}), f64);
        run("predict", iris.toString(), "--input", f64.toString())
                .failsWith(Main.USAGE, "'features'", "float32", "float64");

        Path wide = file("wide.npy");
        Npy.write(Tensor.of(new float[][] {{1, 2, 3}}), wide);
        run("predict", iris.toString(), "--input", wide.toString())
                .failsWith(Main.USAGE, "expected 4, got 3");

        Path badCell =
                write(
                        "bad.csv",
                        "sepal_length,sepal_width,petal_length,petal_width\n"
                                + "5.1,3.5,1.4,0.2\n"
                                + "6.7,3.0,5.2,wide\n");
        run("predict", iris.toString(), "--input", badCell.toString())
                .failsWith(
                        Main.USAGE,
                        "bad.csv line 3",
                        "column 'petal_width'",
                        "expected a number",
                        "\"wide\"");

        Path missing = write("missing.csv", "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n");
        run("predict", iris.toString(), "--input", missing.toString())
                .failsWith(Main.USAGE, "missing [petal_width]");

        Path ragged =
                write("ragged.csv", "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5\n");
        run("predict", iris.toString(), "--input", ragged.toString())
                .failsWith(Main.USAGE, "line 2", "expected 4 cells");

        Path npz = file("other.npz");
        Npz.write(Map.of("X", Tensor.of(new float[][] {{1, 2, 3, 4}})), npz);
        run("predict", iris.toString(), "--input", npz.toString())
                .failsWith(Main.USAGE, "unknown input 'X'");
    }

    @Test
    public void predictRefusesBadFilesBeforeLoadingTheModel() throws IOException {
        run("predict", iris.toString(), "--input", file("absent.csv").toString())
                .failsWith(Main.USAGE, "no such file", "absent.csv");
        Path txt = write("rows.txt", "a,b\n");
        run("predict", iris.toString(), "--input", txt.toString())
                .failsWith(Main.USAGE, "--input", ".npy, .npz or .csv");
        Path csv = oneIrisRow();
        predict(csv, file("out.parquet")).failsWith(Main.USAGE, "--output", "out.parquet");
        Path notNpy = write("junk.npy", "junk");
        run("predict", iris.toString(), "--input", notNpy.toString())
                .failsWith(Main.USAGE, "junk.npy", "magic");
        run("predict", file("absent.jinfer").toString(), "--input", csv.toString())
                .failsWith(Main.USAGE, "no bundle at");
    }

    // ---------------------------------------------------------------- hostile inputs (issue 10)

    /** An .npy file with this header text, written by hand. */
    private Path rawNpy(String name, String header, byte[] data) throws IOException {
        byte[] text = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(12 + text.length + data.length)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(text.length);
        b.put(text).put(data);
        return Files.write(file(name), b.array());
    }

    @Test
    public void aDeeplyNestedNpyHeaderIsOneLineNotAStackOverflow() throws IOException {
        // 60,000 nested parentheses (120 KB): the recursive header parser overflowed its stack
        String nested = "(".repeat(60_000) + ")".repeat(60_000);
        Path deep =
                rawNpy(
                        "deep.npy",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': " + nested + ", }",
                        new byte[0]);
        run("predict", iris.toString(), "--input", deep.toString())
                .failsWith(Main.USAGE, "deep.npy", "header");
    }

    @Test
    public void anNpyShapeThatOverflowsIsOneLineNotAnInternalError() throws IOException {
        Path big =
                rawNpy(
                        "big.npy",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,"
                                + " 4), }",
                        new byte[64]);
        run("predict", iris.toString(), "--input", big.toString())
                .failsWith(Main.USAGE, "big.npy", "elements");
    }

    @Test
    public void anErrorThatEscapesPicocliIsOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        java.io.PrintWriter errWriter =
                new java.io.PrintWriter(
                        new java.io.OutputStreamWriter(errStream, StandardCharsets.UTF_8), true);
        picocli.CommandLine cli = new picocli.CommandLine(new Overflowing());
        int code = Main.execute(cli, errStream, errWriter);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(text, Main.FAILED, code);
        assertEquals(text, 1, text.split("\n", -1).length - 1);
        assertTrue(
                text,
                text.startsWith("jinfer: error: internal error: java.lang.StackOverflowError"));
    }

    /** A command whose run overflows its stack, as a hostile input once made jinfer's do. */
    @picocli.CommandLine.Command(name = "overflowing")
    static final class Overflowing implements Runnable {
        @Override
        public void run() {
            throw new StackOverflowError();
        }
    }
}
