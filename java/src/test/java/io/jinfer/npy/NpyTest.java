package io.jinfer.npy;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.BundleException;
import io.jinfer.Conformance;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Limits;
import io.jinfer.Tensor;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The {@code .npy}/{@code .npz} reader and writer beyond the shared vectors: byte-for-byte
 * compatibility with numpy's writer, every byte order, Fortran order, edge shapes and refusals.
 */
public class NpyTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    /** A .npy file with this header dict text and data, as numpy lays it out (version 1.0). */
    static byte[] npy(String dict, byte[] data) {
        return npy(1, dict, data);
    }

    static byte[] npy(int version, String dict, byte[] data) {
        byte[] text =
                (dict + "\n")
                        .getBytes(
                                version == 3
                                        ? StandardCharsets.UTF_8
                                        : StandardCharsets.ISO_8859_1);
        int lenBytes = version == 1 ? 2 : 4;
        ByteBuffer b =
                ByteBuffer.allocate(8 + lenBytes + text.length + data.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).put(data).array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '"
                + descr
                + "', 'fortran_order': "
                + (fortran ? "True" : "False")
                + ", 'shape': "
                + shape
                + ", }";
    }

    private static BundleException refused(byte[] bytes) {
        BundleException e = assertThrows(BundleException.class, () -> Npy.read(bytes));
        assertEquals(e.getMessage(), ErrorCode.INVALID_NPY, e.code());
        return e;
    }

    // ---------------------------------------------------------------- numpy compatibility

    @Test
    public void javaWritesTheBytesNumpyWrites() throws IOException {
        int compared = 0;
        for (JsonNode c : Conformance.json("npy/cases.json").get("valid")) {
            String descr = c.get("descr").asText();
            String name = c.get("file").asText();
            if (descr.startsWith(">")
                    || descr.startsWith("|V") // raw bytes: Java writes bfloat16 as ml_dtypes does
                    || c.get("fortran_order").asBoolean()
                    || name.contains("header_v2")) {
                continue; // numpy wrote these on purpose in a form np.save does not choose
            }
            byte[] numpy = Files.readAllBytes(Conformance.dir().resolve("npy").resolve(name));
            byte[] java = Npy.toBytes(Npy.read(numpy));
            assertArrayEquals(name, numpy, java);
            compared++;
        }
        assertTrue("compared " + compared, compared >= 10);
    }

    @Test
    public void headersAreAlignedTo64BytesLikeNumpys() {
        for (long[] shape :
                new long[][] {{}, {1}, {12345678901L}, {2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}}) {
            byte[] h = Npy.header("<f8", shape);
            assertEquals(Arrays.toString(shape), 0, h.length % 64);
            assertEquals('\n', h[h.length - 1]);
            assertEquals(1, h[6]);
        }
    }

    // ---------------------------------------------------------------- byte orders

    @Test
    public void bigEndianDataOfEveryWidthIsSwapped() {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        d.putDouble(-1.5).putDouble(1e-300);
        assertArrayEquals(
                new double[] {-1.5, 1e-300},
                Npy.read(npy(dict(">f8", false, "(2,)"), d.array())).toDoubleArray(),
                0.0);

        ByteBuffer f =
                ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(0.1f).putFloat(-3f);
        assertArrayEquals(
                new float[] {0.1f, -3f},
                Npy.read(npy(dict(">f4", false, "(2,)"), f.array())).toFloatArray(),
                0f);

        ByteBuffer l =
                ByteBuffer.allocate(16)
                        .order(ByteOrder.BIG_ENDIAN)
                        .putLong(Long.MIN_VALUE)
                        .putLong(258);
        assertArrayEquals(
                new long[] {Long.MIN_VALUE, 258},
                Npy.read(npy(dict(">i8", false, "(2,)"), l.array())).toLongArray());

        ByteBuffer i = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(-2).putInt(65536);
        assertArrayEquals(
                new int[] {-2, 65536},
                Npy.read(npy(dict(">i4", false, "(2,)"), i.array())).toIntArray());

        ByteBuffer s =
                ByteBuffer.allocate(4)
                        .order(ByteOrder.BIG_ENDIAN)
                        .putShort((short) -300)
                        .putShort((short) 7);
        Tensor t = Npy.read(npy(dict(">i2", false, "(2,)"), s.array()));
        assertEquals(DType.INT16, t.dtype());
        assertArrayEquals(new long[] {-300, 7}, t.toLongArray());
        assertEquals(ByteOrder.nativeOrder(), t.buffer().order());
    }

    @Test
    public void bigEndianStringsAreRead() {
        ByteBuffer d =
                ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt('h').putInt(0x1F600);
        Tensor t = Npy.read(npy(dict(">U2", false, "(1,)"), d.array()));
        assertArrayEquals(new String[] {"h\uD83D\uDE00"}, t.toStringArray());
    }

    @Test
    public void nativeAndUnprefixedOrdersAreAccepted() {
        ByteBuffer d = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(9);
        assertArrayEquals(
                new int[] {9}, Npy.read(npy(dict("=i4", false, "(1,)"), d.array())).toIntArray());
        assertArrayEquals(
                new long[] {1, 0},
                Npy.read(npy(dict("|b1", false, "(2,)"), new byte[] {1, 0})).toLongArray());
        assertArrayEquals(
                new long[] {255},
                Npy.read(npy(dict("|u1", false, "(1,)"), new byte[] {(byte) 255})).toLongArray());
    }

    // ---------------------------------------------------------------- Fortran order and shapes

    @Test
    public void fortranOrderIsTransposedIntoCOrder() {
        long[] shape = {2, 3, 4};
        ByteBuffer d = ByteBuffer.allocate(24 * 8).order(ByteOrder.LITTLE_ENDIAN);
        // column-major: the first index varies fastest; element (i, j, k) holds its C-order index
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 2; i++) {
                    d.putLong(i * 12 + j * 4 + k);
                }
            }
        }
        Tensor t = Npy.read(npy(dict("<i8", true, "(2, 3, 4)"), d.array()));
        assertArrayEquals(shape, t.shape());
        long[] want = new long[24];
        for (int n = 0; n < 24; n++) {
            want[n] = n;
        }
        assertArrayEquals(want, t.toLongArray());
    }

    @Test
    public void fortranOrderStringsAndOneDimensionalArrays() {
        ByteBuffer d = ByteBuffer.allocate(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (char c : new char[] {'a', 'c', 'b', 'd'}) { // [[a, b], [c, d]] column-major
            d.putInt(c);
        }
        Tensor t = Npy.read(npy(dict("<U1", true, "(2, 2)"), d.array()));
        assertArrayEquals(new String[] {"a", "b", "c", "d"}, t.toStringArray());
        ByteBuffer one =
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2);
        assertArrayEquals(
                new float[] {1, 2},
                Npy.read(npy(dict("<f4", true, "(2,)"), one.array())).toFloatArray(),
                0f);
    }

    @Test
    public void scalarsEmptyArraysAndSpecialFloatsRoundTrip() throws IOException {
        List<Tensor> cases = new ArrayList<>();
        cases.add(Tensor.of(new double[] {3.25}, new long[0]));
        cases.add(Tensor.zeros(DType.FLOAT32, 0, 3));
        cases.add(Tensor.zeros(DType.INT64, 0));
        cases.add(Tensor.ofStrings(new String[0], 0, 2));
        cases.add(
                Tensor.of(
                        new double[] {
                            Double.NaN,
                            Double.POSITIVE_INFINITY,
                            Double.NEGATIVE_INFINITY,
                            -0.0,
                            Double.MIN_VALUE
                        }));
        cases.add(Tensor.of(new float[] {Float.NaN, -0.0f, Float.MAX_VALUE}));
        cases.add(Tensor.ofStrings(new String[] {"", "日本", "a\u0000b", "\uD83D\uDE00"}, 2, 2));
        cases.add(Tensor.of(new boolean[] {true, false, true}));
        for (Tensor t : cases) {
            Tensor back = Npy.read(Npy.toBytes(t));
            assertEquals(t.toString(), t.dtype(), back.dtype());
            assertArrayEquals(t.toString(), t.shape(), back.shape());
            if (t.isString()) {
                assertArrayEquals(t.toStringArray(), back.toStringArray());
            } else {
                assertEquals(
                        t.toString(),
                        t.buffer(),
                        back.buffer()); // bit for bit, NaN and -0.0 included
            }
        }
    }

    @Test
    public void everyNumericDtypeRoundTrips() {
        long[] values = {-7, 0, 1, 100};
        for (DType d : DType.values()) {
            if (!d.isNumeric()) {
                continue;
            }
            Tensor t = Tensor.of(values, 2, 2).castTo(d);
            Tensor back = Npy.read(Npy.toBytes(t));
            assertEquals(d, back.dtype());
            assertArrayEquals(new long[] {2, 2}, back.shape());
            assertEquals(d.toString(), t.buffer(), back.buffer());
        }
    }

    @Test
    public void stringsKeepInnerNulsAndLoseOnlyTrailingOnes() {
        ByteBuffer d =
                ByteBuffer.allocate(4 * 4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt('a')
                        .putInt(0)
                        .putInt('b')
                        .putInt(0);
        assertArrayEquals(
                new String[] {"a\u0000b"},
                Npy.read(npy(dict("<U4", false, "(1,)"), d.array())).toStringArray());
    }

    @Test
    public void headerVersions2And3AndPython2LongsAreRead() {
        ByteBuffer d =
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2);
        assertEquals(2, Npy.read(npy(2, dict("<f4", false, "(2,)"), d.array())).size());
        assertEquals(2, Npy.read(npy(3, dict("<f4", false, "(2,)"), d.array())).size());
        assertArrayEquals(
                new long[] {1, 2},
                Npy.read(npy(dict("<f4", false, "(1L, 2L)"), d.array())).shape());
        String reordered = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}";
        assertEquals(2, Npy.read(npy(reordered, d.array())).size());
    }

    @Test
    public void largeHeadersUseVersion2() {
        long[] shape = new long[25000];
        Arrays.fill(shape, 1);
        Tensor t = Tensor.of(new float[] {4f}, shape);
        byte[] bytes = Npy.toBytes(t);
        assertEquals(2, bytes[6]);
        refused(bytes); // over numpy's (and jinfer's default) bound of 10,000 header bytes
        Tensor back = Npy.read(bytes, "wide", Limits.builder().maxNpyHeaderBytes(100_000).build());
        assertEquals(25000, back.rank());
        assertEquals(4f, back.toFloatArray()[0], 0f);
    }

    @Test
    public void extraBytesAfterTheDataAreIgnored() {
        byte[] d = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putFloat(5f).array();
        assertArrayEquals(
                new float[] {5f}, Npy.read(npy(dict("<f4", false, "(1,)"), d)).toFloatArray(), 0f);
    }

    // ---------------------------------------------------------------- refusals

    @Test
    public void objectArraysAreRefusedAsPickles() {
        BundleException e =
                refused(npy(dict("|O", false, "(1,)"), new byte[] {(byte) 0x80, 4, 'N', '.'}));
        assertTrue(
                e.getMessage(), e.getMessage().contains("pickled object arrays are not accepted"));
    }

    @Test
    public void unsupportedDtypesNameWhatCameAndWhatIsRead() {
        for (String descr : new String[] {"<c16", "|S5", "<M8[ns]", "|f4", "<V8", "|u4", "<f16"}) {
            BundleException e = refused(npy(dict(descr, false, "(1,)"), new byte[16]));
            assertTrue(descr + ": " + e.getMessage(), e.getMessage().contains("'" + descr + "'"));
            assertTrue(descr + ": " + e.getMessage(), e.getMessage().contains("<f4"));
        }
        BundleException e =
                refused(
                        npy(
                                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False,"
                                        + " 'shape': (1,), }",
                                new byte[8]));
        assertTrue(e.getMessage(), e.getMessage().contains("structured"));
    }

    @Test
    public void malformedFilesAreRefusedWithWhatWasExpected() {
        BundleException e =
                refused("hello, world, this is not numpy".getBytes(StandardCharsets.US_ASCII));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("magic") && e.getMessage().contains("hello,"));
        assertTrue(refused(new byte[] {(byte) 0x93, 'N'}).getMessage().contains("too short"));
        byte[] v4 = npy(dict("<f4", false, "(1,)"), new byte[4]);
        v4[6] = 4;
        e = refused(v4);
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("version 4.0")
                        && e.getMessage().contains("1.0, 2.0 or 3.0"));
        byte[] full = npy(dict("<f4", false, "(1,)"), new byte[4]);
        e = refused(Arrays.copyOf(full, 30));
        assertTrue(e.getMessage(), e.getMessage().contains("truncated .npy header"));
        e = refused(npy(dict("<f8", false, "(2, 2)"), new byte[31]));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("truncated")
                        && e.getMessage().contains("32")
                        && e.getMessage().contains("31"));
        e = refused(npy(dict("<U3", false, "(2,)"), new byte[20]));
        assertTrue(e.getMessage(), e.getMessage().contains("truncated"));
        e = refused(npy("{'descr': '<f4', 'fortran_order': False, }", new byte[4]));
        assertTrue(e.getMessage(), e.getMessage().contains("'shape'"));
        e = refused(npy(dict("<f4", false, "(-1,)"), new byte[4]));
        assertTrue(e.getMessage(), e.getMessage().contains("shape"));
        e = refused(npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", new byte[4]));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("bad .npy header") && e.getMessage().contains("Maybe"));
        e = refused(npy("__import__('os')", new byte[4]));
        assertTrue(e.getMessage(), e.getMessage().contains("bad .npy header"));
        ByteBuffer badCp = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7FFFFFFF);
        e = refused(npy(dict("<U1", false, "(1,)"), badCp.array()));
        assertTrue(e.getMessage(), e.getMessage().contains("code point"));
    }

    @Test
    public void readingAPathNamesTheFile() throws IOException {
        Path p = tmp.newFile("broken.npy").toPath();
        Files.write(p, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        BundleException e = assertThrows(BundleException.class, () -> Npy.read(p));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("broken.npy") && e.getMessage().contains("magic"));
        assertThrows(
                java.nio.file.NoSuchFileException.class,
                () -> Npy.read(tmp.getRoot().toPath().resolve("absent.npy")));
    }

    // ---------------------------------------------------------------- files

    @Test
    public void writeToAPathReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path dir = tmp.newFolder("out").toPath();
        Path p = dir.resolve("x.npy");
        Files.write(p, "old content".getBytes(StandardCharsets.UTF_8));
        Tensor t = Tensor.of(new float[][] {{1, 2}, {3, 4}});
        Npy.write(t, p);
        assertArrayEquals(Npy.toBytes(t), Files.readAllBytes(p));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
        assertThrows(IOException.class, () -> Npy.write(t, dir.resolve("no/such/dir/x.npy")));
    }

    @Test
    public void writeToAStreamLeavesItOpen() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(Tensor.of(new int[] {1}), out);
        Npy.write(Tensor.of(new int[] {2}), out);
        assertEquals(2 * Npy.toBytes(Tensor.of(new int[] {1})).length, out.size());
    }

    @Test
    public void npzRoundTripKeepsNamesAndOrderAsStoredNpyEntries() throws IOException {
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        arrays.put("zeta", Tensor.of(new long[] {3, 1}));
        arrays.put("alpha", Tensor.of(new float[][] {{0.5f}}));
        arrays.put("names", Tensor.of(new String[] {"x", "yz"}));
        Path p = tmp.getRoot().toPath().resolve("a.npz");
        Npz.write(arrays, p);
        try (ZipFile z = new ZipFile(p.toFile())) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                names.add(e.getName());
                assertEquals(e.getName(), ZipEntry.STORED, e.getMethod());
            }
            assertEquals(List.of("zeta.npy", "alpha.npy", "names.npy"), names);
        }
        Map<String, Tensor> back = Npz.read(p);
        assertEquals(List.of("zeta", "alpha", "names"), new ArrayList<>(back.keySet()));
        assertArrayEquals(new long[] {3, 1}, back.get("zeta").toLongArray());
        assertArrayEquals(new float[][] {{0.5f}}, back.get("alpha").toFloatMatrix());
        assertArrayEquals(new String[] {"x", "yz"}, back.get("names").toStringArray());
        assertTrue(back instanceof LinkedHashMap);
    }

    @Test
    public void npzRefusalsNameTheArrayAtFault() throws IOException {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> Npz.read("not a zip at all".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage(), e.getMessage().contains("not a .npz"));
        assertThrows(BundleException.class, () -> Npz.read(new byte[0]));

        Path p = tmp.getRoot().toPath().resolve("bad.npz");
        try (java.util.zip.ZipOutputStream z =
                new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry("good.npy"));
            z.write(Npy.toBytes(Tensor.of(new int[] {1})));
            z.putNextEntry(new ZipEntry("pickle.npy"));
            z.write(npy(dict("|O", false, "(1,)"), new byte[8]));
        }
        e = assertThrows(BundleException.class, () -> Npz.read(p));
        assertTrue(
                e.getMessage(),
                e.getMessage().contains("'pickle'") && e.getMessage().contains("pickled"));
        assertTrue(e.getMessage(), e.getMessage().contains("bad.npz"));

        byte[] whole = Files.readAllBytes(p);
        e = assertThrows(BundleException.class, () -> Npz.read(Arrays.copyOf(whole, 60)));
        assertEquals(e.getMessage(), ErrorCode.INVALID_NPY, e.code()); // a cut zip is a bad .npz
    }

    @Test
    public void emptyNpzIsAnEmptyMap() throws IOException {
        Path p = tmp.getRoot().toPath().resolve("empty.npz");
        Npz.write(Map.of(), p);
        assertTrue(Npz.read(p).isEmpty());
        assertFalse(Files.size(p) == 0);
    }
}
