package io.jinfer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8, as Python's {@code bytes.decode("utf-8")}: malformed bytes are refused, not
 * replaced.
 */
public final class Utf8 {
    private Utf8() {}

    /**
     * The text of {@code bytes}.
     *
     * @throws CharacterCodingException if they are not UTF-8 (a lone byte, a surrogate, an overlong
     *     form)
     */
    public static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
