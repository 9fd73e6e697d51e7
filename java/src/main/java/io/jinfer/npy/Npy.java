package io.jinfer.npy;

import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Limits;
import io.jinfer.Tensor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * numpy's {@code .npy} format (versions 1.0, 2.0 and 3.0), the on-disk form both languages share.
 *
 * <p>Reading accepts every dtype of {@link DType} in either byte order ({@code <f8}, {@code >f8},
 * {@code |i1}, ...) and in C or Fortran order; the tensor is always native-order C order. Strings
 * are numpy's fixed-width {@code <U n} (UTF-32), trailing NULs stripped. Numeric data costs one
 * copy, into the tensor's direct buffer. Object (pickled) arrays and structured dtypes are refused.
 *
 * <p>Writing produces what {@code np.save} produces, byte for byte: a version 1.0 header (2.0 if it
 * would not fit) padded to 64 bytes, little-endian data in C order, strings as {@code <U{longest}}.
 *
 * <pre>{@code
 * Tensor x = Npy.read(Path.of("x.npy"));
 * Npy.write(x, Path.of("copy.npy"));      // atomic: a temporary file, then a rename
 * }</pre>
 */
public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS =
            21; // numpy's spare room after the header dict
    private static final String SUPPORTED =
            "<f2, <f4, <f8, |i1, |u1, <i2, <u2, <i4, <u4, <i8, <u8, |b1, <U{n} (either byte"
                    + " order) and <V2 or |V2 (bfloat16, as ml_dtypes writes it)";

    private Npy() {}

    // ---------------------------------------------------------------- reading

    /**
     * Reads a {@code .npy} file within the default {@link Limits}.
     *
     * @throws IOException if the file cannot be read
     * @throws BundleException ({@code INVALID_NPY}) if it is not a supported {@code .npy} array;
     *     ({@code BUNDLE_TOO_LARGE}) if it is larger than {@link Limits#maxEntryBytes()}
     */
    public static Tensor read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > Limits.defaults().maxEntryBytes()) {
            throw new BundleException(
                    ErrorCode.BUNDLE_TOO_LARGE,
                    path + " is " + size + " bytes, more than a Java array holds");
        }
        return read(Files.readAllBytes(path), path.toString(), Limits.defaults());
    }

    /**
     * Parses {@code .npy} bytes within the default {@link Limits}.
     *
     * @see #read(byte[], String, Limits)
     */
    public static Tensor read(byte[] bytes) {
        return read(bytes, ".npy", Limits.defaults());
    }

    /**
     * Parses {@code .npy} bytes: the header (at most {@link Limits#maxNpyHeaderBytes()} long), then
     * the data, whose size is checked against the shape before anything is allocated. Every element
     * takes at least one byte of the file, so no header can claim more elements than there are
     * bytes.
     *
     * @param where names the file in messages
     * @throws BundleException ({@code INVALID_NPY}) if the bytes are not a supported {@code .npy}
     *     array: bad magic, unknown version, malformed or overlong header, object or unsupported
     *     dtype, more elements than the data holds
     */
    public static Tensor read(byte[] bytes, String where, Limits limits) {
        try {
            NpyHeader h = NpyHeader.parse(bytes, limits.maxNpyHeaderBytes());
            ByteBuffer data =
                    ByteBuffer.wrap(bytes, h.dataOffset, bytes.length - h.dataOffset).slice();
            return decode(h, data);
        } catch (IllegalArgumentException e) {
            throw new BundleException(ErrorCode.INVALID_NPY, where + ": " + e.getMessage(), e);
        }
    }

    private static Tensor decode(NpyHeader h, ByteBuffer data) {
        String descr = h.descr;
        char order = descr.isEmpty() ? '?' : descr.charAt(0);
        String code = "<>|=".indexOf(order) >= 0 ? descr.substring(1) : descr;
        if (code.startsWith("O")) {
            throw new IllegalArgumentException(
                    "object array (descr '"
                            + descr
                            + "'): pickled object arrays are not"
                            + " accepted; save numbers or strings as a plain dtype ("
                            + SUPPORTED
                            + ")");
        }
        ByteOrder byteOrder =
                order == '>'
                        ? ByteOrder.BIG_ENDIAN
                        : order == '<' || code.equals("V2")
                                ? ByteOrder
                                        .LITTLE_ENDIAN // bfloat16's raw bytes, as numpy keeps them
                                : ByteOrder.nativeOrder();
        long n;
        try {
            n = Tensor.elementCount(h.shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    ".npy shape "
                            + Arrays.toString(h.shape)
                            + " holds more elements than a long counts");
        }
        if (n > data.remaining()) {
            throw new IllegalArgumentException(
                    ".npy array "
                            + descr
                            + " "
                            + Arrays.toString(h.shape)
                            + " claims "
                            + n
                            + " elements but holds "
                            + data.remaining()
                            + " bytes; every element takes at least one byte");
        }
        // Fortran order is the C order of the reversed shape; read that, then transpose.
        long[] stored = h.fortranOrder ? reversed(h.shape) : h.shape;
        Tensor t;
        if (code.startsWith("U")) {
            t = decodeStrings(descr, code, byteOrder, stored, n, data);
        } else {
            DType dtype = numericDType(descr, code, order);
            long need = n * dtype.byteSize(); // n is at most the bytes present: no overflow
            requireBytes(data, need, h);
            ByteBuffer view = data.duplicate().order(byteOrder);
            view.limit((int) need);
            t = Tensor.wrap(view, dtype, stored); // one copy, into a direct native-order buffer
        }
        return h.fortranOrder && h.shape.length > 1 ? Transpose.reverseAxes(t, h.shape) : t;
    }

    private static DType numericDType(String descr, String code, char order) {
        for (DType d : DType.values()) {
            if (d.isNumeric() && d.numpyCode().substring(1).equals(code)) {
                if (order == '|' && d.byteSize() > 1 && d != DType.BFLOAT16) {
                    break; // '|' means "byte order not applicable": 1-byte types and raw bytes
                }
                return d;
            }
        }
        throw new IllegalArgumentException(
                "unsupported .npy dtype '" + descr + "': jinfer reads " + SUPPORTED);
    }

    private static Tensor decodeStrings(
            String descr, String code, ByteOrder order, long[] shape, long n, ByteBuffer data) {
        String digits = code.substring(1); // numpy reads "<U" as "<U0"
        int width;
        try {
            width = digits.isEmpty() ? 0 : Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            width = -1;
        }
        if (width < 0 || !digits.matches("[0-9]*")) {
            throw new IllegalArgumentException(
                    "unsupported .npy dtype '" + descr + "': expected <U followed by a width");
        }
        long need;
        try {
            need = Math.multiplyExact(Math.multiplyExact(n, (long) width), 4L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    ".npy array "
                            + descr
                            + " "
                            + Arrays.toString(shape)
                            + " needs more bytes than a long counts");
        }
        if (data.remaining() < need) {
            throw new IllegalArgumentException(
                    "truncated .npy data: "
                            + descr
                            + " "
                            + Arrays.toString(shape)
                            + " needs "
                            + need
                            + " bytes, found "
                            + data.remaining());
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "string array of " + n + " elements does not fit a Java array");
        }
        ByteBuffer in = data.duplicate().order(order);
        String[] values = new String[(int) n];
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int base = i * width * 4;
            int len = width;
            while (len > 0 && in.getInt(base + (len - 1) * 4) == 0) {
                len--; // numpy strips trailing NULs only
            }
            b.setLength(0);
            for (int j = 0; j < len; j++) {
                int cp = in.getInt(base + j * 4);
                if (!Character.isValidCodePoint(cp)) {
                    throw new IllegalArgumentException(
                            "bad .npy string data: element "
                                    + i
                                    + " holds 0x"
                                    + Integer.toHexString(cp)
                                    + ", which is not a Unicode code point (is the byte order"
                                    + " right?)");
                }
                b.appendCodePoint(cp);
            }
            values[i] = b.toString();
        }
        return Tensor.ofStrings(values, shape);
    }

    private static void requireBytes(ByteBuffer data, long need, NpyHeader h) {
        if (data.remaining() < need) {
            throw new IllegalArgumentException(
                    "truncated .npy data: "
                            + h.descr
                            + " "
                            + Arrays.toString(h.shape)
                            + " needs "
                            + need
                            + " bytes, found "
                            + data.remaining());
        }
        if (need > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    ".npy array "
                            + h.descr
                            + " "
                            + Arrays.toString(h.shape)
                            + " holds "
                            + need
                            + " bytes; a tensor holds at most 2 GiB");
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a tensor in {@code .npy} form, as {@code np.save} would: version 1.0 header,
     * little-endian, C order; strings as {@code <U{longest}}. The stream is not closed.
     *
     * @throws IOException if the stream fails
     */
    public static void write(Tensor t, OutputStream out) throws IOException {
        if (t.isString()) {
            writeStrings(t, out);
            return;
        }
        out.write(header(t.dtype().numpyCode(), t.shape()));
        ByteBuffer src = t.buffer();
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN && t.dtype().byteSize() > 1) {
            src = toLittleEndian(src, t.dtype());
        }
        byte[] chunk = new byte[Math.min(1 << 16, Math.max(1, src.remaining()))];
        while (src.hasRemaining()) {
            int len = Math.min(chunk.length, src.remaining());
            src.get(chunk, 0, len);
            out.write(chunk, 0, len);
        }
    }

    /**
     * Writes a {@code .npy} file atomically: a temporary file in the same folder, then a rename
     * over {@code path}, so a reader never sees half a file.
     *
     * @throws IOException if the file cannot be written
     */
    public static void write(Tensor t, Path path) throws IOException {
        writeAtomically(path, out -> write(t, out));
    }

    /** The {@code .npy} bytes of a tensor. */
    public static byte[] toBytes(Tensor t) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try {
            write(t, buf);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return buf.toByteArray();
    }

    private static void writeStrings(Tensor t, OutputStream out) throws IOException {
        String[] values = t.toStringArray();
        int width = 1; // numpy writes <U1 for empty strings and empty arrays
        for (String v : values) {
            width = Math.max(width, v.codePointCount(0, v.length()));
        }
        out.write(header("<U" + width, t.shape()));
        ByteBuffer row = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (String v : values) {
            Arrays.fill(row.array(), (byte) 0);
            row.clear();
            v.codePoints().forEach(row::putInt);
            out.write(row.array());
        }
    }

    private static ByteBuffer toLittleEndian(ByteBuffer src, DType dtype) {
        ByteBuffer le = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype.byteSize()) {
            case 2:
                le.asShortBuffer().put(src.asShortBuffer());
                break;
            case 4:
                le.asIntBuffer().put(src.asIntBuffer());
                break;
            case 8:
                le.asLongBuffer().put(src.asLongBuffer());
                break;
            default:
                le.put(src);
                break;
        }
        le.clear();
        return le;
    }

    /** numpy's header: sorted dict, growth room, space padding and '\n' to a 64-byte boundary. */
    static byte[] header(String descr, long[] shape) {
        StringBuilder dict =
                new StringBuilder("{'descr': '")
                        .append(descr)
                        .append("', 'fortran_order': False, 'shape': ")
                        .append(shapeRepr(shape))
                        .append(", }");
        if (shape.length > 0) {
            dict.append(
                    " "
                            .repeat(
                                    Math.max(
                                            0,
                                            GROWTH_AXIS_MAX_DIGITS
                                                    - Long.toString(shape[0]).length())));
        }
        int hlen = dict.length() + 1;
        int version = MAGIC.length + 2 + 2 + hlen + ALIGN <= 0xFFFF ? 1 : 2;
        int lenBytes = version == 1 ? 2 : 4;
        int pad = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b =
                ByteBuffer.allocate(MAGIC.length + 2 + lenBytes + text.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        b.put(text);
        return b.array();
    }

    private static String shapeRepr(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return s.append(')').toString();
    }

    /**
     * Writes through {@code body} into a temporary file next to {@code path}, then renames it over
     * {@code path}: a reader, a full disk or a killed process never leaves part of a file there.
     *
     * @throws IOException if the file cannot be written (the temporary file is removed)
     */
    public static void writeAtomically(Path path, IOBody body) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.writeTo(out);
            }
            Files.move(
                    tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Something that writes a file's content. */
    public interface IOBody {
        /** Writes the content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    // ---------------------------------------------------------------- helpers

    static long[] reversed(long[] shape) {
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[shape.length - 1 - i];
        }
        return r;
    }
}
