package io.jinfer.wire;

import io.jinfer.Utf8;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A string tensor's elements in one buffer, so that they cross between Java and Python in one piece
 * rather than one JPype conversion each (about a microsecond apiece, a millisecond for a batch of
 * 1,024 labels).
 *
 * <ul>
 *   <li>First each element's length in Unicode code points, an {@code int32} in native byte order;
 *   <li>then all the elements in UTF-8, one after another.
 * </ul>
 *
 * The element count travels beside the buffer (the tensor's shape). Python's side is {@code
 * jinfer._runtime.wire.encode_strings} and {@code decode_strings}.
 */
public final class Strings {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Strings() {}

    /**
     * The buffer of {@code values} (direct, native order, position 0), or null when one cannot be
     * written: an element that is not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot
     * carry), or more than 2 GiB in all.
     */
    public static ByteBuffer encode(String[] values) {
        int n = values.length;
        StringBuilder all = new StringBuilder();
        for (String v : values) {
            all.append(v);
        }
        ByteBuffer utf8;
        try {
            utf8 =
                    StandardCharsets.UTF_8
                            .newEncoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .encode(CharBuffer.wrap(all));
        } catch (CharacterCodingException e) {
            return null;
        }
        long bytes = 4L * n + utf8.remaining();
        if (bytes > Integer.MAX_VALUE) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(NATIVE);
        for (int i = 0; i < n; i++) {
            out.putInt(4 * i, values[i].codePointCount(0, values[i].length()));
        }
        out.position(4 * n);
        out.put(utf8);
        out.position(0);
        return out;
    }

    /**
     * The {@code n} strings of a buffer {@link #encode} (or Python's side) wrote, from its position
     * 0 to its limit.
     *
     * @throws IllegalArgumentException if the buffer does not hold {@code n} lengths followed by
     *     UTF-8 text of exactly that many code points
     */
    public static String[] decode(ByteBuffer buffer, int n) {
        ByteBuffer b = buffer.duplicate().order(NATIVE);
        if (n < 0 || 4L * n > b.limit()) {
            throw new IllegalArgumentException(
                    "a string buffer of " + b.limit() + " bytes cannot hold " + n + " lengths");
        }
        byte[] utf8 = new byte[b.limit() - 4 * n];
        b.position(4 * n);
        b.get(utf8);
        String text;
        try {
            text = Utf8.decode(utf8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a string buffer holds bytes that are not UTF-8", e);
        }
        String[] out = new String[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            int points = b.getInt(4 * i);
            int end;
            try {
                end = points < 0 ? -1 : text.offsetByCodePoints(at, points);
            } catch (IndexOutOfBoundsException e) {
                end = -1;
            }
            if (end < 0) {
                throw new IllegalArgumentException(
                        "string "
                                + i
                                + " of a string buffer: "
                                + points
                                + " code points from char "
                                + at
                                + " of a text of "
                                + text.length());
            }
            out[i] = text.substring(at, end);
            at = end;
        }
        if (at != text.length()) {
            throw new IllegalArgumentException(
                    "a string buffer's text runs past its " + n + " strings' lengths");
        }
        return out;
    }
}
