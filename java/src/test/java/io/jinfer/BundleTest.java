package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jinfer.npy.ParitySample;

import org.junit.Rule;
import org.junit.Test;
import org.junit.function.ThrowingRunnable;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Opening bundles, zip and directory: every refusal of docs/bundle-format.md's reading rules. */
public class BundleTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private final byte[] onnx = TestBundles.resourceBytes("models/add_mul.onnx");

    private Map<String, byte[]> goodFiles() {
        Map<String, byte[]> files = TestBundles.files(TestBundles.addMulManifest(onnx), onnx);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.of(new float[][] {{1, 2, 3}}));
        in.put("z", Tensor.of(new double[][] {{4, 5}}));
        files.put("parity/inputs.npz", TestBundles.npz(in));
        return files;
    }

    private Path zip(String name, Map<String, byte[]> files) throws IOException {
        return TestBundles.zip(tmp.getRoot().toPath().resolve(name), files);
    }

    private static BundleException refused(ErrorCode code, ThrowingRunnable open) {
        BundleException e = assertThrows(BundleException.class, open);
        assertEquals(e.getMessage(), code, e.code());
        return e;
    }

    @Test
    public void zipAndDirectoryBundlesReadTheSame() throws IOException {
        Path zip = zip("a.jinfer", goodFiles());
        Path dir = TestBundles.directory(tmp.getRoot().toPath().resolve("a-dir"), goodFiles());
        for (Path p : new Path[] {zip, dir}) {
            try (Bundle b = Bundle.open(p)) {
                assertEquals(p.equals(zip), b.isZip());
                assertEquals("add_mul", b.manifest().name());
                assertEquals(
                        List.of("manifest.json", "model.onnx", "parity/inputs.npz"), b.names());
                assertTrue(b.contains("model.onnx"));
                assertFalse(b.contains("model.pmml"));
                assertArrayEquals(onnx, b.readArtifact(b.manifest().artifacts().get(0)));
                Map<String, Tensor> in = ParitySample.inputs(b);
                assertEquals(List.of("x", "z"), List.copyOf(in.keySet()));
                assertArrayEquals(new double[] {4, 5}, in.get("z").toDoubleArray(), 0.0);
                assertTrue(ParitySample.expected(b).isEmpty());
            }
        }
    }

    @Test
    public void aSymlinkOutOfADirectoryBundleIsRefused() throws IOException {
        Path dir = TestBundles.directory(tmp.getRoot().toPath().resolve("linked"), goodFiles());
        Path outside = tmp.getRoot().toPath().resolve("outside.npz");
        Files.write(outside, goodFiles().get("parity/inputs.npz"));
        Files.delete(dir.resolve("parity/inputs.npz"));
        Files.createSymbolicLink(dir.resolve("parity/inputs.npz"), outside);
        // refused at opening, as Python's reader does: no file of the bundle may lead out of it
        BundleException e = refused(ErrorCode.UNSAFE_PATH, () -> Bundle.open(dir));
        assertTrue(e.getMessage(), e.getMessage().contains("outside the bundle"));
    }

    @Test
    public void aMissingPathIsBundleNotFound() {
        BundleException e =
                refused(
                        ErrorCode.BUNDLE_NOT_FOUND,
                        () -> Bundle.open(tmp.getRoot().toPath().resolve("nope.jinfer")));
        assertTrue(e.getMessage(), e.getMessage().contains("nope.jinfer"));
    }

    @Test
    public void aTruncatedZipIsCorrupt() throws IOException {
        Path good = zip("good.jinfer", goodFiles());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.getRoot().toPath().resolve("cut.jinfer");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        BundleException e = refused(ErrorCode.BUNDLE_CORRUPT, () -> Bundle.open(cut));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("cut.jinfer") && e.getMessage().contains("truncated"));
        refused(ErrorCode.BUNDLE_CORRUPT, () -> Models.load(cut));
    }

    @Test
    public void aFileThatIsNotAZipIsCorrupt() throws IOException {
        Path p = tmp.getRoot().toPath().resolve("text.jinfer");
        Files.write(p, "just some text".getBytes(StandardCharsets.UTF_8));
        refused(ErrorCode.BUNDLE_CORRUPT, () -> Bundle.open(p));
    }

    @Test
    public void aChangedArtifactIsAChecksumMismatch() throws IOException {
        Map<String, byte[]> files = goodFiles();
        byte[] tampered = onnx.clone();
        tampered[tampered.length - 1] ^= 1; // same size, other content
        files.put("model.onnx", tampered);
        Path p = zip("tampered.jinfer", files);
        try (Bundle b = Bundle.open(p)) {
            BundleException e =
                    refused(
                            ErrorCode.CHECKSUM_MISMATCH,
                            () -> b.readArtifact(b.manifest().artifacts().get(0)));
            assertTrue(
                    e.getMessage(),
                    e.getMessage().contains("sha256")
                            && e.getMessage().contains(Bundle.sha256(tampered)));
        }
        refused(ErrorCode.CHECKSUM_MISMATCH, () -> Models.load(p));

        files.put("model.onnx", Arrays.copyOf(onnx, onnx.length + 1)); // other size
        Path longer = TestBundles.directory(tmp.getRoot().toPath().resolve("longer"), files);
        BundleException e = refused(ErrorCode.CHECKSUM_MISMATCH, () -> Models.load(longer));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains(onnx.length + " bytes")
                        && e.getMessage().contains((onnx.length + 1) + ""));
    }

    @Test
    public void aNewerFormatVersionIsUnsupported() throws IOException {
        ObjectNode m = TestBundles.addMulManifest(onnx);
        m.put("format_version", 2);
        Map<String, byte[]> files = TestBundles.files(m, onnx);
        BundleException e =
                refused(ErrorCode.UNSUPPORTED_VERSION, () -> Bundle.open(zip("v2.jinfer", files)));
        assertTrue(e.getMessage(), e.getMessage().contains("2") && e.getMessage().contains("1"));
    }

    @Test
    public void unsafeZipEntriesAreRefusedBeforeAnythingIsRead() throws IOException {
        for (String entry :
                new String[] {
                    "../evil", "/abs", "parity/../../evil.npz", "C:/windows.txt", "a\\..\\..\\b"
                }) {
            Map<String, byte[]> files = goodFiles();
            files.put(entry, new byte[] {1});
            BundleException e =
                    refused(ErrorCode.UNSAFE_PATH, () -> Bundle.open(zip("unsafe.jinfer", files)));
            assertTrue(entry + ": " + e.getMessage(), e.getMessage().contains(entry));
        }
    }

    @Test
    public void unsafeArtifactPathsAreRefused() throws IOException {
        ObjectNode m = TestBundles.addMulManifest(onnx);
        ((ObjectNode) m.get("artifacts").get(0)).put("path", "../model.onnx");
        Path dir =
                TestBundles.directory(
                        tmp.getRoot().toPath().resolve("inner"), TestBundles.files(m, onnx));
        Files.write(
                tmp.getRoot().toPath().resolve("model.onnx"), onnx); // a file the path would reach
        BundleException e = refused(ErrorCode.UNSAFE_PATH, () -> Bundle.open(dir));
        assertTrue(e.getMessage(), e.getMessage().contains("artifacts[0].path"));
    }

    @Test
    public void aListedArtifactThatIsAbsentIsArtifactMissing() throws IOException {
        Map<String, byte[]> files = goodFiles();
        files.remove("model.onnx");
        for (Path p :
                new Path[] {
                    zip("no-model.jinfer", files),
                    TestBundles.directory(tmp.getRoot().toPath().resolve("nm"), files)
                }) {
            BundleException e = refused(ErrorCode.ARTIFACT_MISSING, () -> Models.load(p));
            assertTrue(e.getMessage(), e.getMessage().contains("model.onnx"));
        }
    }

    @Test
    public void aManifestThatIsNotJsonOrAbsentIsInvalid() throws IOException {
        Map<String, byte[]> files = goodFiles();
        files.put(
                "manifest.json",
                "{\"format\": \"jinfer-bundle\", ".getBytes(StandardCharsets.UTF_8));
        BundleException e =
                refused(
                        ErrorCode.INVALID_MANIFEST,
                        () -> Bundle.open(zip("bad-json.jinfer", files)));
        assertTrue(e.getMessage(), e.getMessage().contains("not valid JSON"));
        files.remove("manifest.json");
        e =
                refused(
                        ErrorCode.INVALID_MANIFEST,
                        () -> Bundle.open(zip("no-manifest.jinfer", files)));
        assertTrue(e.getMessage(), e.getMessage().contains("manifest.json"));
        refused(
                ErrorCode.INVALID_MANIFEST,
                () ->
                        Bundle.open(
                                TestBundles.directory(
                                        tmp.getRoot().toPath().resolve("empty"), Map.of())));
    }

    @Test
    public void theSizeBoundIsEnforcedForZipsAndDirectories() throws IOException {
        Map<String, byte[]> files = goodFiles();
        files.put("padding.bin", new byte[100_000]); // compresses to almost nothing
        Path zip = zip("big.jinfer", files);
        assertTrue(Files.size(zip) < 10_000);
        BundleException e = refused(ErrorCode.BUNDLE_TOO_LARGE, () -> Bundle.open(zip, 50_000));
        assertTrue(e.getMessage(), e.getMessage().contains("50000"));
        refused(
                ErrorCode.BUNDLE_TOO_LARGE,
                () -> Models.load(zip, LoadOptions.builder().maxBundleBytes(50_000).build()));
        Bundle.open(zip, 200_000).close(); // under the bound it opens

        Map<String, byte[]> big = goodFiles();
        big.put("model.onnx", onnx);
        Path dir = TestBundles.directory(tmp.getRoot().toPath().resolve("bigdir"), big);
        long manifestSize = big.get("manifest.json").length;
        refused(
                ErrorCode.BUNDLE_TOO_LARGE,
                () -> {
                    try (Bundle b = Bundle.open(dir, manifestSize + 10)) {
                        b.readArtifact(b.manifest().artifacts().get(0));
                    }
                });
    }

    @Test
    public void aCorruptParitySampleIsReportedAsCorrupt() throws IOException {
        Map<String, byte[]> files = goodFiles();
        files.put("parity/expected.npz", "garbage".getBytes(StandardCharsets.UTF_8));
        try (Bundle b = Bundle.open(zip("bad-parity.jinfer", files))) {
            BundleException e = refused(ErrorCode.INVALID_NPY, () -> ParitySample.expected(b));
            assertTrue(e.getMessage(), e.getMessage().contains("parity/expected.npz"));
        }
    }

    @Test
    public void bundleExceptionsAreJinferExceptions() {
        BundleException e = new BundleException(ErrorCode.BUNDLE_CORRUPT, "x");
        assertTrue(e instanceof JinferException);
        assertTrue(e instanceof RuntimeException);
    }

    // ---------------------------------------------------------------- limits (issue 10)

    @Test
    public void anHonestHugeManifestIsRefusedBeforeItIsRead() throws IOException {
        // 17 MiB of valid JSON (it deflates to a few KB): over the 16 MiB bound of manifest.json
        ObjectNode m = TestBundles.addMulManifest(onnx);
        m.put("description", " ".repeat(17 << 20));
        Map<String, byte[]> files = TestBundles.files(m, onnx);
        Path p = zip("huge-manifest.jinfer", files);
        assertTrue(Files.size(p) < 1 << 20);
        BundleException e = refused(ErrorCode.BUNDLE_TOO_LARGE, () -> Bundle.open(p));
        assertTrue(e.getMessage(), e.getMessage().contains("manifest.json"));
        Limits roomy = Limits.builder().maxManifestBytes(32L << 20).build();
        Bundle.open(p, roomy).close(); // raised, it opens
    }

    @Test
    public void limitsReachTheReadersThroughLoadOptions() throws IOException {
        Path p = zip("few.jinfer", goodFiles());
        Limits oneEntry = Limits.builder().maxEntries(1).build();
        refused(
                ErrorCode.BUNDLE_TOO_LARGE,
                () -> Models.load(p, LoadOptions.builder().limits(oneEntry).build()));
        assertEquals(
                3,
                LoadOptions.builder()
                        .limits(oneEntry)
                        .maxBundleBytes(3)
                        .build()
                        .limits()
                        .maxBundleBytes());
        assertEquals(1, LoadOptions.builder().limits(oneEntry).build().limits().maxEntries());
        assertThrows(IllegalArgumentException.class, () -> Limits.builder().maxEntries(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> Limits.builder().maxEntryBytes(Limits.MAX_ARRAY_BYTES + 1));
    }

    @Test
    public void npzMembersStayWithinTheBundlesRemainingBudget() throws IOException {
        Map<String, byte[]> files = goodFiles();
        Map<String, Tensor> big = new LinkedHashMap<>();
        big.put("x", Tensor.of(new float[250_000], new long[] {1000, 250})); // 1 MB of zeros
        files.put("parity/inputs.npz", deflated(TestBundles.npz(big)));
        Path p = zip("budget.jinfer", files);
        long stored = 0;
        try (Bundle b = Bundle.open(p)) {
            for (String n : b.names()) {
                stored += b.size(n);
            }
        }
        // the files fit the bound; the npz member, inflated, does not
        Limits tight = Limits.builder().maxBundleBytes(stored + 1000).build();
        try (Bundle b = Bundle.open(p, tight)) {
            refused(ErrorCode.BUNDLE_TOO_LARGE, () -> ParitySample.inputs(b));
        }
        try (Bundle b = Bundle.open(p)) {
            assertEquals(250_000, ParitySample.inputs(b).get("x").size());
        }
    }

    /** An .npz rewritten with deflated members, as np.savez_compressed writes. */
    private static byte[] deflated(byte[] npz) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipInputStream in =
                        new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(npz));
                java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                z.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                in.transferTo(z);
            }
        }
        return out.toByteArray();
    }

    @Test
    public void fifosAndLoopingLinksAreNotPartOfADirectoryBundle() throws Exception {
        Path dir = TestBundles.directory(tmp.getRoot().toPath().resolve("odd"), goodFiles());
        Files.delete(dir.resolve("parity/inputs.npz"));
        Process mk =
                new ProcessBuilder("mkfifo", dir.resolve("parity/inputs.npz").toString()).start();
        assertEquals(0, mk.waitFor());
        Files.createSymbolicLink(dir.resolve("loop"), dir.resolve("loop"));
        try (Bundle b = Bundle.open(dir)) {
            assertEquals(List.of("manifest.json", "model.onnx"), b.names());
            assertTrue(ParitySample.inputs(b).isEmpty()); // never opened: a FIFO would block
        }
    }
}
