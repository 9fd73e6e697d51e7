"""The string buffer of the wire format (``jinfer._runtime.wire.encode_strings``), byte for byte as
``io.jinfer.wire.Strings`` reads it: code-point lengths as native int32, then UTF-8."""

from __future__ import annotations

import numpy as np

from jinfer._runtime import wire


def test_strings_are_lengths_then_utf8_and_come_back() -> None:
    values = ["red", "", "grün", "😀x", "a\x00b"]
    buf = wire.encode_strings(values)
    assert buf.dtype == np.uint8
    np.testing.assert_array_equal(np.frombuffer(buf[:20].tobytes(), dtype=np.int32), [3, 0, 4, 2, 3])
    assert buf[20:].tobytes() == "".join(values).encode("utf-8")
    assert wire.decode_strings(buf, len(values)) == values
