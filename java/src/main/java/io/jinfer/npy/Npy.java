package io.jinfer.npy;

import io.jinfer.DType;
import io.jinfer.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format (versions 1.0, 2.0 and 3.0), the on-disk form both languages share.
 * Reading accepts every dtype of {@link DType} in either byte order and C or Fortran order;
 * {@code <U} strings are UTF-32. Object (pickled) arrays are refused. Writing produces what
 * {@code np.save} writes: version 1.0, little-endian, C order.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads a {@code .npy} file. */
    public static Tensor read(Path path) throws IOException {
        return read(Files.readAllBytes(path));
    }

    /**
     * Parses {@code .npy} bytes.
     * @throws IllegalArgumentException when the bytes are not a supported {@code .npy} array
     */
    public static Tensor read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new IllegalArgumentException("not a .npy file: " + bytes.length + " bytes is too short (truncated?)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new IllegalArgumentException("not a .npy file: bad magic (expected \\x93NUMPY)");
            }
        }
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = in.getShort(8) & 0xFFFF;
            offset = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException("truncated .npy header");
            }
            headerLen = in.getInt(8);
            offset = 12;
        } else {
            throw new IllegalArgumentException("unsupported .npy version " + major + "." + bytes[7] + " (expected 1, 2 or 3)");
        }
        if (headerLen < 0 || offset + headerLen > bytes.length) {
            throw new IllegalArgumentException("truncated .npy header: needs " + headerLen + " bytes");
        }
        String header = new String(bytes, offset, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr");
        boolean fortran = group(FORTRAN, header, "fortran_order").equals("True");
        long[] shape = parseShape(group(SHAPE, header, "shape"));
        int dataStart = offset + headerLen;
        return decode(descr, fortran, shape, ByteBuffer.wrap(bytes, dataStart, bytes.length - dataStart).slice());
    }

    private static Tensor decode(String descr, boolean fortran, long[] shape, ByteBuffer data) {
        if (descr.contains("O")) {
            throw new IllegalArgumentException("object (pickled) arrays are not accepted: descr '" + descr
                + "'; save plain numeric or '<U' string arrays");
        }
        char order = descr.charAt(0);
        String code = descr.substring(1);
        long n = count(shape);
        long[] cShape = fortran ? reversed(shape) : shape;   // Fortran data is the transpose in C order
        Tensor t;
        if (code.startsWith("U")) {
            int width = Integer.parseInt(code.substring(1));
            data.order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            requireBytes(data, n * width * 4L, descr, shape);
            String[] values = new String[(int) n];
            for (int i = 0; i < n; i++) {
                StringBuilder b = new StringBuilder();
                for (int j = 0; j < width; j++) {
                    int cp = data.getInt((int) ((i * (long) width + j) * 4));
                    if (cp == 0) {
                        break;
                    }
                    b.appendCodePoint(cp);
                }
                values[i] = b.toString();
            }
            t = Tensor.ofStrings(values, cShape);
        } else {
            DType dtype = dtypeOf(descr);
            requireBytes(data, n * dtype.byteSize(), descr, shape);
            ByteBuffer view = data.duplicate();
            view.limit((int) (n * dtype.byteSize()));
            view.order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            t = Tensor.wrap(view, dtype, cShape);   // one copy into a direct native-order buffer
        }
        return fortran ? transpose(t, shape) : t;
    }

    private static DType dtypeOf(String descr) {
        String d = descr.replace('=', '<').replace('>', '<');
        for (DType t : DType.values()) {
            if (t.isNumeric() && (t.numpyCode().equals(d) || t.numpyCode().substring(1).equals(d.substring(1)))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported .npy dtype '" + descr
            + "'; expected one of f4, f8, i1, u1, i2, i4, i8, b1, U");
    }

    /** Reorders a tensor read in C order with reversed shape into C order of {@code shape}. */
    private static Tensor transpose(Tensor reversedC, long[] shape) {
        int rank = shape.length;
        if (rank < 2) {
            return reversedC.reshape(shape);
        }
        int n = (int) count(shape);
        int[] perm = new int[n];
        long[] strides = new long[rank];   // Fortran strides, in elements
        long s = 1;
        for (int d = 0; d < rank; d++) {
            strides[d] = s;
            s *= shape[d];
        }
        long[] idx = new long[rank];
        for (int i = 0; i < n; i++) {
            long src = 0;
            for (int d = 0; d < rank; d++) {
                src += idx[d] * strides[d];
            }
            perm[i] = (int) src;
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        if (reversedC.isString()) {
            String[] in = reversedC.toStringArray();
            String[] out = new String[n];
            for (int i = 0; i < n; i++) {
                out[i] = in[perm[i]];
            }
            return Tensor.ofStrings(out, shape);
        }
        int size = reversedC.dtype().byteSize();
        ByteBuffer in = reversedC.buffer();
        ByteBuffer out = ByteBuffer.allocateDirect(n * size).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < size; b++) {
                out.put(i * size + b, in.get(perm[i] * size + b));
            }
        }
        return Tensor.wrap(out, reversedC.dtype(), shape);
    }

    /** Writes a tensor as {@code .npy} bytes (version 1.0, little-endian, C order). */
    public static void write(Tensor t, OutputStream out) throws IOException {
        String descr;
        byte[] body;
        if (t.isString()) {
            String[] values = t.toStringArray();
            int width = 1;
            for (String v : values) {
                width = Math.max(width, v.codePointCount(0, v.length()));
            }
            descr = "<U" + width;
            ByteBuffer b = ByteBuffer.allocate(values.length * width * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                int[] cps = values[i].codePoints().toArray();
                for (int j = 0; j < cps.length; j++) {
                    b.putInt((i * width + j) * 4, cps[j]);
                }
            }
            body = b.array();
        } else {
            descr = t.dtype().numpyCode();
            ByteBuffer src = t.buffer();
            body = new byte[src.remaining()];
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().byteSize() == 1) {
                src.get(body);
            } else {
                ByteBuffer le = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < t.size(); i++) {
                    putLittle(le, t, (int) i);
                }
            }
        }
        StringBuilder shape = new StringBuilder("(");
        for (long d : t.shape()) {
            shape.append(d).append(", ");
        }
        if (t.rank() > 1) {
            shape.setLength(shape.length() - 2);
        } else if (t.rank() == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        StringBuilder header = new StringBuilder(dict);
        header.append(" ".repeat(pad)).append('\n');
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xFF), (byte) (header.length() >> 8)});
        out.write(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
    }

    /** Writes a {@code .npy} file atomically (a temporary file in the same folder, then a move). */
    public static void write(Tensor t, Path path) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        write(t, buf);
        writeAtomically(path, buf.toByteArray());
    }

    static void writeAtomically(Path path, byte[] data) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            Files.write(tmp, data);
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void putLittle(ByteBuffer le, Tensor t, int i) {
        int at = i * t.dtype().byteSize();
        switch (t.dtype()) {
            case FLOAT32: le.putFloat(at, (float) t.getDouble(i)); break;
            case FLOAT64: le.putDouble(at, t.getDouble(i)); break;
            case INT16: le.putShort(at, (short) t.getLong(i)); break;
            case INT32: le.putInt(at, (int) t.getLong(i)); break;
            case INT64: le.putLong(at, t.getLong(i)); break;
            default: le.put(at, (byte) t.getLong(i));
        }
    }

    private static String group(Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("bad .npy header: no '" + key + "' in " + header.trim());
        }
        return m.group(1);
    }

    private static long[] parseShape(String s) {
        List<Long> dims = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                dims.add(Long.parseLong(p.replace("L", "")));
            }
        }
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i);
        }
        return out;
    }

    private static void requireBytes(ByteBuffer data, long need, String descr, long[] shape) {
        if (data.remaining() < need) {
            throw new IllegalArgumentException("truncated .npy data: " + descr + " " + java.util.Arrays.toString(shape)
                + " needs " + need + " bytes, found " + data.remaining());
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static long[] reversed(long[] shape) {
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[shape.length - 1 - i];
        }
        return r;
    }
}
