"""numpy ⇄ ``io.jinfer.Tensor``, without copying where the layout allows.

- :func:`to_java` hands a C-contiguous, native-order, writable array to Java as a direct
  ``ByteBuffer`` over the array's own memory: no copy, constant time at any size. The buffer keeps
  the array alive until Java collects it. Anything else (strided, Fortran-order, big-endian,
  read-only) is first copied once, at memcpy speed, by numpy.
- :func:`from_java` returns an ndarray that views the Java tensor's direct buffer and keeps it
  alive; it is read-only, as Java tensors are immutable.

Java's collector does not see numpy memory held by such buffers, so a loop of large zero-copy
calls could hold many arrays at once. jinfer keeps count and asks the JVM to collect when Java
holds another ``JINFER_PIN_GC_BYTES`` (default 256 MiB), the same trick the JDK uses for its own
direct buffers. For arrays of 1 MiB and more the count follows what Java holds: the first
handover of an array (its base) gives Java a view of it whose finalizer says when Java let go,
and until then handing the same array, or slices of it, over again adds nothing to the count,
so it never prompts a collection. Smaller arrays are simply counted as they are handed over.

Layer L1a (runtime): this public module is the tensor layer of ``jinfer._runtime``, between
its ``jvm`` below and its ``model`` and ``pyhost`` above, which hand buffers over through it.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

import jpype
import jpype.nio
import numpy as np

from ._dtypes import DTYPES, dtype_of, strings_array
from ._runtime.jvm import jclass

__all__ = ["from_java", "is_zero_copy", "to_java"]

_GC_BYTES = int(os.environ.get("JINFER_PIN_GC_BYTES", 256 << 20))
_TRACKED_BYTES = 1 << 20  # arrays at least this big are tracked while Java holds them
_pin_lock = threading.Lock()
_held_lock = threading.RLock()  # finalizers may run on any thread, even one inside this lock
_held: dict[int, int] = {}  # id(base array) -> its bytes, while Java holds the tracked view of it
_held_bytes = 0  # bytes of the distinct base arrays Java holds now
_prompt_at = 0  # prompt when Java holds this many bytes (at least _GC_BYTES)
_small = 0  # bytes of smaller arrays handed over since the last prompt
_J: dict[str, Any] = {}
_BY_ID = {d.id: d for d in DTYPES}


def _java() -> dict[str, Any]:
    """The Java classes this module uses, looked up once (thread-safe: Java threads call in)."""
    if "ready" not in _J:
        with _pin_lock:
            if "ready" not in _J:
                local: dict[str, Any] = {
                    "Tensor": jclass("io.jinfer.Tensor"),
                    "DType": jclass("io.jinfer.DType"),
                    "native": jclass("java.nio.ByteOrder").nativeOrder(),
                    # System.gc() on a thread of Java's own: the caller does not wait for the cycle
                    "collect": jclass("io.jinfer.bridge.FromPython").collectSoon,
                    "String[]": jpype.JArray(jpype.JString),
                    "long[]": jpype.JArray(jpype.JLong),
                }
                local["dtypes"] = {d.id: local["DType"].fromId(d.id) for d in DTYPES}
                _J.update(local)
                _J["ready"] = True
    return _J


def is_zero_copy(array: np.ndarray) -> bool:
    """Whether :func:`to_java` hands ``array`` over without a copy."""
    return bool(
        array.dtype.kind not in "UOS"
        and array.flags.c_contiguous
        and array.flags.writeable
        and array.flags.aligned
        and array.dtype.isnative
        and array.size > 0
    )


def to_java(array: Any) -> Any:
    """An ``io.jinfer.Tensor`` holding ``array``: a view when :func:`is_zero_copy`, else one copy."""
    j = _java()
    arr = np.asarray(array)
    dt = dtype_of(arr)
    shape = j["long[]"](arr.shape)
    jdtype = j["dtypes"][dt.id]
    if dt.name == "string":
        return j["Tensor"].ofStrings(_java_strings(arr), shape)
    if arr.size == 0:
        return j["Tensor"].zeros(jdtype, shape)
    buf = _direct_buffer(arr)
    buf.order(j["native"])
    return j["Tensor"].wrap(buf, jdtype, shape)


def _direct_buffer(arr: np.ndarray) -> Any:
    """A ``java.nio.ByteBuffer`` over ``arr``'s memory (big-endian until Java sets its order):
    ``arr`` itself when :func:`is_zero_copy`, else a native-order contiguous copy. Non-empty
    numeric arrays only."""
    if not is_zero_copy(arr):
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
        if not arr.flags.writeable:  # ascontiguousarray may return the same read-only array
            arr = arr.copy()
    if arr.dtype.kind == "V":  # bfloat16: Python's buffer protocol knows no such type, so its bits
        arr = arr.view(np.uint16)
    return jpype.nio.convertToDirectBuffer(_pinned(arr))


def _pinned(arr: np.ndarray) -> np.ndarray:
    """``arr``, or a view of it, counted as held by Java until Java lets go; prompts the JVM to
    collect when what Java holds has grown by ``_GC_BYTES`` since the last prompt."""
    global _held_bytes, _prompt_at, _small
    if arr.nbytes < _TRACKED_BYTES:
        with _held_lock:
            _small += arr.nbytes
            due = _small >= _GC_BYTES
            if due:
                _small = 0
        if due:
            _java()["collect"]()
        return arr
    base = arr
    while isinstance(base.base, np.ndarray):
        base = base.base
    key = id(base)  # stable: the tracked view keeps the base alive for as long as the entry exists
    with _held_lock:
        if key in _held:  # Java holds this memory already, through a tracked view: nothing new
            return arr
        _held[key] = base.nbytes
        _held_bytes += base.nbytes
        due = _held_bytes >= max(_prompt_at, _GC_BYTES)
        if due:
            _prompt_at = _held_bytes + _GC_BYTES  # until Java lets go, prompt again only after as much more
    view = arr.view()  # Java's own reference: its finalizer runs when Java releases the buffer
    weakref.finalize(view, _released, key)
    if due:
        _java()["collect"]()
    return view


def _released(key: int) -> None:
    global _held_bytes, _prompt_at
    with _held_lock:
        nbytes = _held.pop(key, None)
        if nbytes is not None:
            _held_bytes -= nbytes
            _prompt_at = min(_prompt_at, _held_bytes + _GC_BYTES)


def from_java(tensor: Any) -> np.ndarray:
    """An ndarray of a Java tensor: a read-only view of its buffer (no copy), strings copied."""
    dt = _BY_ID[int(tensor.dtype().id())]
    shape = tuple(tensor.shape())
    if dt.name == "string":
        return strings_array(tensor.toStringArray(), shape)
    return _buffer_view(tensor.buffer(), dt.numpy, shape)


def _buffer_view(buffer: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only ndarray of ``shape`` viewing a Java direct buffer (None: no elements)."""
    if buffer is None or 0 in shape:
        return np.zeros(shape, dtype=dtype)
    view = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    if view.flags.writeable:  # Tensor.buffer() is read-only already, so numpy's view is too
        view.flags.writeable = False
    return view


def _java_strings(arr: np.ndarray) -> Any:
    """A Java ``String[]`` of ``arr``'s elements, flattened in C order."""
    return _java()["String[]"]([str(v) for v in arr.reshape(-1)])
