package io.jinfer.npy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a {@code .npy} file: magic, version, and the Python dict literal {@code {'descr':
 * '<f4', 'fortran_order': False, 'shape': (2, 3), }}, read with a small parser of Python literals
 * (strings, integers, booleans, tuples, lists, dicts), never by evaluation.
 */
final class NpyHeader {
    final int major;
    final String descr;
    final boolean fortranOrder;
    final long[] shape;
    final int dataOffset;

    private NpyHeader(int major, String descr, boolean fortranOrder, long[] shape, int dataOffset) {
        this.major = major;
        this.descr = descr;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.dataOffset = dataOffset;
    }

    /**
     * How deep values may nest in a header: numpy writes a dict of a string, a bool and a tuple.
     */
    private static final int MAX_NESTING = 16;

    static NpyHeader parse(byte[] bytes, int maxHeaderBytes) {
        if (bytes.length < Npy.MAGIC.length + 2) {
            throw new IllegalArgumentException(
                    "not a .npy file: "
                            + bytes.length
                            + " bytes is too short for the magic string and version (truncated?)");
        }
        for (int i = 0; i < Npy.MAGIC.length; i++) {
            if (bytes[i] != Npy.MAGIC[i]) {
                throw new IllegalArgumentException(
                        "not a .npy file: bad magic string, expected \\x93NUMPY, got "
                                + printable(bytes, Npy.MAGIC.length));
            }
        }
        int major = bytes[6] & 0xFF;
        int minor = bytes[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new IllegalArgumentException(
                    "unsupported .npy format version "
                            + major
                            + "."
                            + minor
                            + "; expected 1.0, 2.0 or 3.0");
        }
        int lenBytes = major == 1 ? 2 : 4;
        int start = 8 + lenBytes;
        if (bytes.length < start) {
            throw new IllegalArgumentException(
                    "truncated .npy header: the file ends inside the header length");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? in.getShort(8) & 0xFFFF : in.getInt(8) & 0xFFFFFFFFL;
        if (headerLen > maxHeaderBytes) {
            throw new IllegalArgumentException(
                    ".npy header of "
                            + headerLen
                            + " bytes is over the bound of "
                            + maxHeaderBytes
                            + " (Limits.maxNpyHeaderBytes)");
        }
        if (start + headerLen > bytes.length) {
            throw new IllegalArgumentException(
                    "truncated .npy header: it declares "
                            + headerLen
                            + " bytes, the file has "
                            + (bytes.length - start)
                            + " after the length field");
        }
        String text =
                new String(
                        bytes,
                        start,
                        (int) headerLen,
                        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Object parsed;
        try {
            parsed = new Literal(text).parseAll();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "bad .npy header: " + e.getMessage() + " in " + text.trim(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException(
                    "bad .npy header: expected a dict, got " + text.trim());
        }
        Map<?, ?> dict = (Map<?, ?>) parsed;
        Object descr = require(dict, "descr", text);
        if (!(descr instanceof String)) {
            throw new IllegalArgumentException(
                    "unsupported .npy dtype "
                            + text.trim()
                            + ": structured (record) arrays are not accepted; save one plain array"
                            + " per field");
        }
        Object fortran = require(dict, "fortran_order", text);
        if (!(fortran instanceof Boolean)) {
            throw new IllegalArgumentException(
                    "bad .npy header: 'fortran_order' should be True or False, got " + fortran);
        }
        Object shapeObj = require(dict, "shape", text);
        if (dict.size() != 3) {
            throw new IllegalArgumentException(
                    "bad .npy header: expected the keys 'descr', 'fortran_order' and 'shape', got "
                            + dict.keySet());
        }
        if (!(shapeObj instanceof Tuple)) {
            throw new IllegalArgumentException(
                    "bad .npy header: 'shape' should be a tuple of integers, got " + shapeObj);
        }
        List<?> dims = (List<?>) shapeObj;
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long) || (Long) d < 0) {
                throw new IllegalArgumentException(
                        "bad .npy header: 'shape' should hold integers >= 0, got " + dims);
            }
            shape[i] = (Long) d;
        }
        return new NpyHeader(
                major, (String) descr, (Boolean) fortran, shape, (int) (start + headerLen));
    }

    private static Object require(Map<?, ?> dict, String key, String text) {
        if (!dict.containsKey(key)) {
            throw new IllegalArgumentException(
                    "bad .npy header: no '" + key + "' key in " + text.trim());
        }
        return dict.get(key);
    }

    private static String printable(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n && i < b.length; i++) {
            int c = b[i] & 0xFF;
            s.append(
                    c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }

    /** A Python tuple, which the {@code shape} must be (numpy refuses a list there). */
    private static final class Tuple extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;
    }

    /**
     * A recursive-descent reader of the Python literals numpy writes in headers, nested at most
     * {@link #MAX_NESTING} deep.
     */
    private static final class Literal {
        private final String s;
        private int at;
        private int depth;

        Literal(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (at != s.length()) {
                throw error("unexpected text after the dict");
            }
            return v;
        }

        private Object value() {
            skipSpace();
            if (at >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(at);
            if ((c == '{' || c == '(' || c == '[') && ++depth > MAX_NESTING) {
                throw error("values nested more than " + MAX_NESTING + " deep");
            }
            switch (c) {
                case '{':
                    return nested(dict());
                case '(':
                    return nested(sequence(')', new Tuple()));
                case '[':
                    return nested(sequence(']', new ArrayList<>()));
                case '\'':
                case '"':
                    return string();
                default:
                    if (c == '-' || c == '+' || Character.isDigit(c)) {
                        return integer();
                    }
                    return word();
            }
        }

        private Object nested(Object v) {
            depth--;
            return v;
        }

        private Map<Object, Object> dict() {
            at++;
            Map<Object, Object> out = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (peek('}')) {
                    at++;
                    return out;
                }
                Object key = value();
                skipSpace();
                expect(':');
                out.put(key, value());
                skipSpace();
                if (peek(',')) {
                    at++;
                } else if (!peek('}')) {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> sequence(char close, List<Object> out) {
            at++;
            while (true) {
                skipSpace();
                if (peek(close)) {
                    at++;
                    return out;
                }
                out.add(value());
                skipSpace();
                if (peek(',')) {
                    at++;
                } else if (!peek(close)) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() {
            char quote = s.charAt(at++);
            StringBuilder b = new StringBuilder();
            while (at < s.length() && s.charAt(at) != quote) {
                char c = s.charAt(at++);
                if (c == '\\' && at < s.length()) {
                    c = s.charAt(at++);
                }
                b.append(c);
            }
            if (at >= s.length()) {
                throw error("unterminated string");
            }
            at++;
            return b.toString();
        }

        private Long integer() {
            int start = at;
            if (peek('-') || peek('+')) {
                at++;
            }
            while (at < s.length() && Character.isDigit(s.charAt(at))) {
                at++;
            }
            String digits = s.substring(start, at);
            if (peek('L') || peek('l')) {
                at++; // Python 2 long suffix, as old numpy wrote
            }
            try {
                return Long.parseLong(digits.startsWith("+") ? digits.substring(1) : digits);
            } catch (NumberFormatException e) {
                throw error("bad integer '" + digits + "'");
            }
        }

        private Object word() {
            int start = at;
            while (at < s.length() && Character.isLetterOrDigit(s.charAt(at))) {
                at++;
            }
            String w = s.substring(start, at);
            switch (w) {
                case "True":
                    return Boolean.TRUE;
                case "False":
                    return Boolean.FALSE;
                case "None":
                    return null;
                default:
                    throw error(
                            w.isEmpty()
                                    ? "unexpected '" + s.charAt(start) + "'"
                                    : "unexpected '" + w + "'");
            }
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }

        private boolean peek(char c) {
            return at < s.length() && s.charAt(at) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            at++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at character " + at);
        }
    }
}
