package io.jinfer.mojo;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;

import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;

import io.jinfer.BackendException;
import io.jinfer.Bundle;
import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.JinferException;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Prediction;
import io.jinfer.Tensor;
import io.jinfer.TestBundles;
import io.jinfer.npy.ParitySample;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The mojo backend on real H2O MOJOs: the bundles of {@code java/src/test/resources/mojo/} (made by
 * {@code make_bundles.py} there, with H2O's own predictions on a parity sample that has missing
 * values and a level no model was trained on), and bundles made from them with one thing broken.
 */
public class MojoSessionTest {
    private static final double TOL = 1e-5;
    private static final String[] BUNDLES = {
        "gbm-binomial", "glm-multinomial", "drf-regression", "gbm-numeric", "xgboost-binomial-int"
    };
    // H2O scores NaN as a missing value, so these models are loaded as such models are
    // (docs/h2o.md)
    private static final LoadOptions MOJO =
            LoadOptions.builder().backend("mojo").allowNonFinite(true).build();

    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private static Path fixture(String name) {
        return TestBundles.resource("mojo/" + name + ".jinfer");
    }

    private static Map<String, Tensor> inputs(Path bundle) {
        try (Bundle b = Bundle.open(bundle)) {
            return ParitySample.inputs(b);
        }
    }

    private static Map<String, Tensor> expected(Path bundle) {
        try (Bundle b = Bundle.open(bundle)) {
            return ParitySample.expected(b);
        }
    }

    /** Labels equal, floats within TOL of the output's largest magnitude. */
    private static void assertOutputsEqual(
            String what, Map<String, Tensor> expected, Map<String, Tensor> got) {
        assertEquals(what, expected.keySet(), got.keySet());
        for (String name : expected.keySet()) {
            Tensor e = expected.get(name);
            Tensor g = got.get(name);
            assertArrayEquals(what + " " + name, e.shape(), g.shape());
            if (e.isString()) {
                assertArrayEquals(what + " " + name, e.toStringArray(), g.toStringArray());
            } else if (e.dtype() == DType.INT64) {
                assertArrayEquals(what + " " + name, e.toLongArray(), g.toLongArray());
            } else {
                double[] ev = e.toDoubleArray();
                double[] gv = g.toDoubleArray();
                double scale = Arrays.stream(ev).map(Math::abs).max().orElse(1);
                for (int i = 0; i < ev.length; i++) {
                    assertEquals(what + " " + name + "[" + i + "]", ev[i], gv[i], TOL * scale);
                }
            }
        }
    }

    @Test
    public void everyMojoGivesH2osOwnPredictionsOnMissingAndUnseenValues() {
        for (String name : BUNDLES) {
            Path bundle = fixture(name);
            try (Model m = Models.load(bundle, MOJO)) {
                assertEquals("mojo", m.backend());
                assertOutputsEqual(name, expected(bundle), m.predict(inputs(bundle)));
            }
        }
    }

    /**
     * The backend fills score0's row itself (no RowData); what it gives must be, bit for bit, what
     * genmodel's wrapper gives on the RowData of the same row, missing values and the unseen level
     * included, and the same row must be refused when unseen levels are errors.
     */
    @Test
    public void scoringWithoutRowDataIsTheWrappersScoringRowByRow() throws Exception {
        for (String name : BUNDLES) {
            Path bundle = fixture(name);
            Map<String, Tensor> x = inputs(bundle);
            hex.genmodel.MojoModel mojo;
            Manifest manifest;
            try (Bundle b = Bundle.open(bundle)) {
                manifest = b.manifest();
                byte[] bytes = unzip(Files.readAllBytes(bundle)).get("model.mojo");
                mojo = MojoSession.read(MojoArchive.read(bytes, name, Long.MAX_VALUE), name);
            }
            MojoColumns columns = MojoColumns.bind(mojo, manifest, name);
            assertTrue(name + " has no converter of its own", columns.direct());
            EasyPredictModelWrapper wrapper =
                    new EasyPredictModelWrapper(
                            new EasyPredictModelWrapper.Config()
                                    .setModel(mojo)
                                    .setConvertUnknownCategoricalLevelsToNa(true));
            MojoColumns.Rows rows = columns.rows().bind(x);
            int n = (int) x.values().iterator().next().dim(0);
            try (Model m = Models.load(bundle, MOJO)) {
                Map<String, Tensor> got = m.predict(x);
                double[] values =
                        (got.containsKey("prediction")
                                        ? got.get("prediction")
                                        : got.get("probabilities"))
                                .toDoubleArray();
                int k = values.length / n;
                for (int r = 0; r < n; r++) {
                    RowData row = new RowData();
                    rows.fill(row, r);
                    double[] want;
                    String label = null;
                    switch (mojo.getModelCategory()) {
                        case Binomial -> {
                            var p = wrapper.predictBinomial(row);
                            want = p.classProbabilities;
                            label = p.label;
                        }
                        case Multinomial -> {
                            var p = wrapper.predictMultinomial(row);
                            want = p.classProbabilities;
                            label = p.label;
                        }
                        default -> want = new double[] {wrapper.predictRegression(row).value};
                    }
                    Tensor floats =
                            got.containsKey("prediction")
                                    ? got.get("prediction")
                                    : got.get("probabilities");
                    for (int j = 0; j < k; j++) {
                        double expected =
                                floats.dtype() == DType.FLOAT32
                                        ? (double) (float) want[j]
                                        : want[j];
                        assertEquals(name + " row " + r, expected, values[r * k + j], 0.0);
                    }
                    if (label != null) {
                        Tensor labels = got.get("label");
                        Object l =
                                labels.isString()
                                        ? labels.toStringArray()[r]
                                        : (Object) String.valueOf(labels.toLongArray()[r]);
                        assertEquals(name + " row " + r, label, l);
                    }
                }
            }
        }
    }

    @Test
    public void runWritesIntoPooledBuffersWhatPredictReturns() {
        for (String name : BUNDLES) {
            Path bundle = fixture(name);
            Map<String, Tensor> x = inputs(bundle);
            Map<String, Tensor> backwards = new LinkedHashMap<>();
            x.forEach((k, t) -> backwards.put(k, reversed(t)));
            try (Model m = Models.load(bundle, MOJO)) {
                try (Prediction p = m.run(x)) {
                    assertOutputsEqual(name, expected(bundle), p.outputs());
                }
                // the same sizes, so the second call gets the first one's buffers back
                try (Prediction p = m.run(backwards)) {
                    assertOutputsEqual(name + " reversed", m.predict(backwards), p.outputs());
                }
            }
        }
    }

    /** {@code t} with its rows in the opposite order. */
    private static Tensor reversed(Tensor t) {
        int rows = (int) t.dim(0);
        int width = (int) (t.size() / rows);
        if (t.isString()) {
            String[] v = t.toStringArray();
            String[] out = new String[v.length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(v, r * width, out, (rows - 1 - r) * width, width);
            }
            return Tensor.ofStrings(out, t.shape());
        }
        float[] v = t.toFloatArray();
        float[] out = new float[v.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * width, out, (rows - 1 - r) * width, width);
        }
        return Tensor.of(out, t.shape());
    }

    /** Row {@code r} of a 1-D or 2-D float32 or string tensor, as a batch of one. */
    private static Tensor row(Tensor t, int r) {
        int width = (int) (t.size() / t.dim(0));
        long[] shape = t.shape();
        shape[0] = 1;
        if (t.isString()) {
            String[] v = new String[width];
            Arrays.setAll(v, j -> t.getString((long) r * width + j));
            return Tensor.ofStrings(v, shape);
        }
        float[] v = new float[width];
        for (int j = 0; j < width; j++) {
            v[j] = (float) t.getDouble((long) r * width + j);
        }
        return Tensor.of(v, shape);
    }

    /**
     * A batch of one row takes its own path for the label (a tensor per class, made at load); it
     * must give, row by row, what the whole batch gives, string and int64 labels alike.
     */
    @Test
    public void aBatchOfOneRowGivesThatRowOfTheWholeBatch() {
        for (String name : BUNDLES) {
            Path bundle = fixture(name);
            Map<String, Tensor> x = inputs(bundle);
            try (Model m = Models.load(bundle, MOJO)) {
                Map<String, Tensor> all = m.predict(x);
                int n = (int) x.values().iterator().next().dim(0);
                for (int r = 0; r < n; r++) {
                    Map<String, Tensor> one = new LinkedHashMap<>();
                    for (Map.Entry<String, Tensor> e : x.entrySet()) {
                        one.put(e.getKey(), row(e.getValue(), r));
                    }
                    Map<String, Tensor> got = m.predict(one);
                    for (Map.Entry<String, Tensor> e : all.entrySet()) {
                        Tensor want = row(e.getValue(), r);
                        Tensor g = got.get(e.getKey());
                        String what = name + " row " + r + " " + e.getKey();
                        assertArrayEquals(what, want.shape(), g.shape());
                        assertEquals(what, e.getValue().dtype(), g.dtype());
                        if (g.isString()) {
                            assertArrayEquals(what, want.toStringArray(), g.toStringArray());
                        } else if (g.dtype() == DType.INT64) {
                            assertEquals(what, e.getValue().getLong(r), g.getLong(0));
                        } else {
                            assertArrayEquals(what, want.toFloatArray(), g.toFloatArray(), 0f);
                        }
                    }
                }
            }
        }
    }

    /** The backend holds each call's tensors per thread while it scores, and lets go after. */
    @Test
    public void theBackendKeepsNoInputAfterACall() throws Exception {
        Path bundle = fixture("glm-multinomial");
        Map<String, Tensor> x = new LinkedHashMap<>(inputs(bundle));
        try (Model m = Models.load(bundle, MOJO)) {
            String key = m.inputs().get(0).name();
            WeakReference<Tensor> first = new WeakReference<>(x.get(key));
            m.predict(x);
            x.put(key, row(x.get(key), 0)); // the caller drops its first tensor
            for (int i = 0; i < 50 && first.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertNull("the first call's input is still held", first.get());
        }
    }

    @Test
    public void theSampleHoldsMissingValuesAndAnUnseenLevel() {
        List<String> colors =
                Arrays.asList(inputs(fixture("gbm-binomial")).get("color").toStringArray());
        assertTrue(colors.contains(""));
        assertTrue(colors.contains("purple"));
        assertTrue(colors.contains("red"));
    }

    @Test
    public void integerClassesGiveInt64Labels() {
        try (Model m = Models.load(fixture("xgboost-binomial-int"), MOJO)) {
            assertEquals(List.of(0L, 1L), m.manifest().classes());
            assertEquals(
                    DType.INT64,
                    m.predict(inputs(fixture("xgboost-binomial-int"))).get("label").dtype());
        }
    }

    @Test
    public void threadsSharingOneModelGetTheSingleThreadedResults() throws Exception {
        Path bundle = fixture("gbm-binomial");
        Map<String, Tensor> x = inputs(bundle);
        try (Model m = Models.load(bundle, MOJO)) {
            Map<String, Tensor> alone = m.predict(x);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Map<String, Tensor>>> runs = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    runs.add(pool.submit(() -> m.predict(x)));
                }
                for (Future<Map<String, Tensor>> f : runs) {
                    Map<String, Tensor> got = f.get();
                    assertArrayEquals(
                            alone.get("label").toStringArray(), got.get("label").toStringArray());
                    assertArrayEquals(
                            alone.get("probabilities").toFloatArray(),
                            got.get("probabilities").toFloatArray(),
                            0f);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    public void anUnseenLevelIsABadRowWhenTheOptionSaysSo() {
        Path bundle = fixture("gbm-binomial");
        Map<String, Tensor> x = inputs(bundle);
        int row = Arrays.asList(x.get("color").toStringArray()).indexOf("purple");
        assertTrue("the sample has rows before its first unseen level", row > 0);
        LoadOptions strict =
                LoadOptions.builder()
                        .backend("mojo")
                        .allowNonFinite(true)
                        .option("mojo.unknown_levels", "error")
                        .build();
        try (Model m = Models.load(bundle, strict)) {
            InputException e = assertThrows(InputException.class, () -> m.predict(x));
            assertEquals(ErrorCode.INVALID_VALUE, e.code());
            assertTrue(
                    e.getMessage(), e.getMessage().startsWith("row " + row + ", column 'color'"));
            assertTrue(e.getMessage(), e.getMessage().contains("'purple'"));
            assertTrue(e.getMessage(), e.getMessage().contains("[blue, green, red]"));
            // the model keeps working: rows before the bad one score
            Map<String, Tensor> first = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> in : x.entrySet()) {
                first.put(in.getKey(), slice(in.getValue(), row));
            }
            assertEquals(row, m.predict(first).get("label").shape()[0]);
        }
    }

    private static Tensor slice(Tensor t, int rows) {
        if (t.isString()) {
            return Tensor.of(Arrays.copyOf(t.toStringArray(), rows));
        }
        return Tensor.of(Arrays.copyOf(t.toFloatArray(), rows));
    }

    @Test
    public void anUnknownOptionValueIsNamed() {
        LoadOptions bad =
                LoadOptions.builder().backend("mojo").option("mojo.unknown_levels", "skip").build();
        assertRefused(
                fixture("gbm-binomial"),
                bad,
                BackendException.class,
                ErrorCode.NO_USABLE_BACKEND,
                "mojo.unknown_levels",
                "'skip'");
    }

    // ---------------------------------------------------------------- bad bundles

    /** The fixture's files, with the manifest and the MOJO rewritten, as a directory bundle. */
    private Path rewritten(
            String name, UnaryOperator<ObjectNode> manifest, UnaryOperator<byte[]> mojo)
            throws IOException {
        Map<String, byte[]> files = unzip(Files.readAllBytes(fixture(name)));
        ObjectNode m = (ObjectNode) TestBundles.JSON.readTree(files.get("manifest.json"));
        byte[] newMojo = mojo.apply(files.get("model.mojo"));
        ObjectNode artifact = (ObjectNode) m.get("artifacts").get(0);
        artifact.put("sha256", Bundle.sha256(newMojo)).put("bytes", newMojo.length);
        files.put("model.mojo", newMojo);
        files.put("manifest.json", TestBundles.json(manifest.apply(m)));
        return TestBundles.directory(tmp.newFolder().toPath().resolve(name), files);
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static byte[] zip(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The MOJO with its model.ini's [info] line {@code key = ...} given another value. */
    private static UnaryOperator<byte[]> ini(String key, String value) {
        return mojo -> {
            try {
                Map<String, byte[]> files = unzip(mojo);
                String text = new String(files.get("model.ini"), StandardCharsets.UTF_8);
                String changed = text.replaceFirst("(?m)^" + key + " = .*$", key + " = " + value);
                assertTrue(key + " in model.ini", !changed.equals(text));
                files.put("model.ini", changed.getBytes(StandardCharsets.UTF_8));
                return zip(files);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * Loading {@code dir} throws {@code type} with {@code code}, its message saying each phrase.
     */
    private static <T extends JinferException> void assertRefused(
            Path dir, LoadOptions options, Class<T> type, ErrorCode code, String... phrases) {
        T e = assertThrows(type, () -> Models.load(dir, options));
        assertEquals(e.getMessage(), code, e.code());
        for (String phrase : phrases) {
            assertTrue(e.getMessage(), e.getMessage().contains(phrase));
        }
    }

    private static final Class<BundleException> BUNDLE = BundleException.class;

    @Test
    public void aMojoWhoseChecksumDiffersIsRefusedBeforeItIsRead() throws IOException {
        Path dir = rewritten("gbm-binomial", m -> m, b -> b);
        byte[] mojo = Files.readAllBytes(dir.resolve("model.mojo"));
        mojo[mojo.length / 2] ^= 0x5a;
        Files.write(dir.resolve("model.mojo"), mojo);
        assertRefused(dir, MOJO, BUNDLE, ErrorCode.CHECKSUM_MISMATCH, "model.mojo");
    }

    @Test
    public void anAlgorithmGenmodelCannotScoreIsNamed() throws IOException {
        Path dir = rewritten("gbm-binomial", m -> m, ini("algorithm", "Quantum Forest"));
        assertRefused(
                dir,
                MOJO,
                BackendException.class,
                ErrorCode.NO_USABLE_BACKEND,
                "H2O Quantum Forest MOJO",
                "not supported by this version");
    }

    @Test
    public void aCategoryWithoutCanonicalOutputsIsRefused() throws IOException {
        Path dir = rewritten("gbm-binomial", m -> m, ini("category", "Clustering"));
        assertRefused(dir, MOJO, BUNDLE, ErrorCode.UNSUPPORTED_ARTIFACT, "category Clustering");
    }

    @Test
    public void classesOutOfTheMojosOrderAreRefused() throws IOException {
        UnaryOperator<ObjectNode> swapped =
                m -> {
                    m.putArray("classes").add("yes").add("no");
                    return m;
                };
        Path dir = rewritten("gbm-binomial", swapped, b -> b);
        assertRefused(dir, MOJO, BUNDLE, ErrorCode.INVALID_MANIFEST, "[no, yes]");
    }

    @Test
    public void aFileThatIsNoMojoIsCorrupt() throws IOException {
        byte[] text = "not a zip".getBytes(StandardCharsets.UTF_8);
        Path notZip = rewritten("gbm-binomial", m -> m, b -> text);
        assertRefused(notZip, MOJO, BUNDLE, ErrorCode.BUNDLE_CORRUPT, "model.mojo is not");
        Path noIni = rewritten("gbm-binomial", m -> m, b -> zipOf("other.txt", new byte[10]));
        assertRefused(noIni, MOJO, BUNDLE, ErrorCode.BUNDLE_CORRUPT, "it has no model.ini");
    }

    @Test
    public void aMojoThatExpandsBeyondTheLimitIsRefused() throws IOException {
        byte[] zeros = new byte[4 << 20]; // 4 MiB of zeros: a few KiB zipped
        Path dir = rewritten("gbm-binomial", m -> m, b -> zipOf("trees/huge.bin", zeros));
        LoadOptions small = LoadOptions.builder().backend("mojo").maxBundleBytes(1 << 20).build();
        assertRefused(dir, small, BUNDLE, ErrorCode.BUNDLE_TOO_LARGE, "model.mojo expands");
    }

    private static byte[] zipOf(String name, byte[] data) {
        try {
            return zip(Map.of(name, data));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- without h2o-genmodel

    @Test
    public void withoutGenmodelTheBackendNamesTheMavenArtifact() throws Exception {
        URL classes = MojoBackend.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader alone =
                new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> backend = Class.forName(MojoBackend.class.getName(), true, alone);
            Object b = backend.getDeclaredConstructor().newInstance();
            String reason = (String) backend.getMethod("unavailableReason").invoke(b);
            assertTrue(reason, reason.contains("ai.h2o:h2o-genmodel:" + MojoBackend.H2O_VERSION));
            assertEquals(false, backend.getMethod("isAvailable").invoke(b));
        }
        assertNull(new MojoBackend().unavailableReason());
    }
}
