package io.jinfer.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@link Strings}: a string tensor's elements in one buffer, code-point lengths then UTF-8, as
 * Python's {@code jinfer._runtime.wire.encode_strings} writes them.
 */
public class StringsTest {
    @Test
    public void stringsGoThereAndBack() {
        String[] values = {"red", "", "grün", "\uD83D\uDE00x", "a\u0000b", "日本"};
        ByteBuffer b = Strings.encode(values);
        assertEquals(ByteOrder.nativeOrder(), b.order());
        assertEquals(0, b.position());
        assertEquals("one code point for the emoji's surrogate pair", 2, b.getInt(4 * 3));
        int utf8 = String.join("", values).getBytes(StandardCharsets.UTF_8).length;
        assertEquals(4 * values.length + utf8, b.limit());
        assertArrayEquals(values, Strings.decode(b, values.length));
    }

    @Test
    public void aLoneSurrogateCannotBeEncoded() {
        assertNull(Strings.encode(new String[] {"ok", "\uD800"}));
    }

    @Test
    public void aBufferThatDisagreesWithItsLengthsIsRefused() {
        ByteBuffer b = Strings.encode(new String[] {"abc", "de"});
        b.putInt(4, 3); // "de" said to have 3 code points: the text runs out
        assertThrows(IllegalArgumentException.class, () -> Strings.decode(b, 2));
        b.putInt(4, 1); // ... or 1: the text runs past
        assertThrows(IllegalArgumentException.class, () -> Strings.decode(b, 2));
        b.putInt(4, -1);
        assertThrows(IllegalArgumentException.class, () -> Strings.decode(b, 2));
        assertThrows(IllegalArgumentException.class, () -> Strings.decode(b, 100));
        ByteBuffer bad = ByteBuffer.allocateDirect(5).order(ByteOrder.nativeOrder());
        bad.putInt(0, 1).put(4, (byte) 0xff); // not UTF-8
        assertThrows(IllegalArgumentException.class, () -> Strings.decode(bad, 1));
    }
}
