"""The CPython side of the ``python`` backend when a plain JVM embeds CPython through Jep.

A Java service that no Python process started (``java -jar app.jar``) loads a python artifact
with ``io.jinfer.python.jep.JepRuntime``, which embeds the CPython that
``LoadOptions.pythonExecutable`` (or ``-Djinfer.python``, ``JINFER_PYTHON``, ``VIRTUAL_ENV``)
names and imports this module in it. Loading and calling the model are :mod:`.pycall`'s, shared
with the JPype host (:mod:`.pyhost`); this module only moves tensors across Jep:

- inputs come as ``uint8`` arrays over Java's direct buffers (Jep's ``DirectNDArray``: no copy),
  viewed here in their dtype and shape, read-only; string inputs as Java ``String[]``;
- outputs whose size the batch fixes (numeric, fixed inner dimensions) are copied into the one
  buffer Java allocated for them (``out``), laid out as :mod:`.wire` says; numeric outputs with
  dynamic inner dimensions into one buffer this module asks Java for (``alloc.allocate(n)``);
  strings come back as lists of ``str``.

Every function returns plain values that Jep converts (None, int, str, list); a Python error
comes back as ``["error", code, type, message, traceback]`` rather than raised, because Jep's
``JepException`` would carry the type and message but not the traceback.

Layer L1a (runtime): it imports :mod:`.pycall` and :mod:`.wire`, never JPype's side of jinfer
(``jvm``, ``tensor``, ``pyhost``: an import contract keeps it so). The process Jep embeds CPython
into has its JVM already, and JPype must not start another (``jvm.start`` refuses there).
"""

from __future__ import annotations

import itertools
import math
import threading
from typing import Any

import numpy as np

from .._dtypes import strings_array
from . import wire
from .pycall import Call, error_fields, load_artifact

__all__ = ["drop", "load", "predict", "stage"]

_models: dict[int, _Model] = {}
_keys = itertools.count(1)
_lock = threading.Lock()
_thread = threading.local()  # .staging: this thread's buffer for small results (each Java thread has its own)


class _Model:
    """A :class:`.pycall.Call` with the output layout Java shares with it: which outputs go into
    Java's buffer (``packed``), which into a buffer this module asks for (``dynamic``), and which
    travel back as lists of strings."""

    def __init__(self, call: Call) -> None:
        self.call = call
        outputs = call.outputs
        self.packed = [i for i, s in enumerate(outputs) if s.dtype != "string" and -1 not in s.shape[1:]]
        self.dynamic = [i for i, s in enumerate(outputs) if s.dtype != "string" and -1 in s.shape[1:]]
        self.strings = [i for i, s in enumerate(outputs) if s.dtype == "string"]
        # when the batch alone gives every input's shape, Java sends the batch, not the shapes
        by_batch = all(-1 not in s.shape[1:] for s in call.manifest.inputs)
        self.tails = [tuple(s.shape[1:]) if s.shape else None for s in call.manifest.inputs] if by_batch else None


def load(data: Any, manifest_json: str, artifact_json: str) -> list[Any]:
    """Unpickle an artifact whose bytes Java checked (``data``: a ``uint8`` array over them).

    Returns ``["ok", key]``, the key :func:`predict` and :func:`drop` take, or an error.
    """
    try:
        model = _Model(load_artifact(np.asarray(data).tobytes(), str(manifest_json), str(artifact_json)))
    except BaseException as e:  # noqa: BLE001 - every Python error goes back to Java
        return ["error", *error_fields(e)]
    with _lock:
        key = next(_keys)
        _models[key] = model
    return ["ok", key]


def stage(buffer: Any) -> None:
    """Keep ``buffer`` (a ``uint8`` array over a Java direct buffer) as this thread's buffer for
    small results, which :func:`predict` fills when Java passes ``out=True``."""
    _thread.staging = buffer


def drop(key: int) -> None:
    """Forget the model of ``key`` (Java closed it)."""
    with _lock:
        _models.pop(key, None)


def predict(key: int, shapes: Any, out: Any, alloc: Any, *inputs: Any) -> list[Any] | None:
    """Run one batch of the model of ``key``.

    ``shapes`` holds the inputs' shapes one after another (a Java ``long[]``), or is the batch
    alone when that gives them all (``_Model.tails``); ``out`` is a ``uint8`` array over the
    buffer Java allocated for the packed outputs, True for this thread's staging buffer
    (:func:`stage`), or None when there are none; ``alloc`` is a Java object whose
    ``allocate(n)`` gives a ``uint8`` array over a new direct buffer of ``n`` bytes (None unless
    an output has dynamic inner dimensions); ``inputs`` are the manifest's inputs in its order.

    Returns None when every output went into ``out``; else ``["ok", shapes, strings...]``:
    every output's shape one after another (None when the batch fixes them all) and, for each
    string output in manifest order, its values flattened in C order. On a Python error, returns
    ``["error", code, type, message, traceback]``.
    """
    try:
        model = _models[key]
        call = model.call
        batch, input_shapes = _shapes(model, shapes)
        arrays: dict[str, np.ndarray] = {}
        for x, (name, _, is_string, dtype), shape in zip(inputs, call.inputs, input_shapes):
            arrays[name] = strings_array(x, shape) if is_string else _view(x, dtype, shape)
        results = call(arrays, batch)
        if out is not None:
            wire.pack_into(_thread.staging if out is True else out, [results[i] for i in model.packed])
        if not model.dynamic and not model.strings:
            return None
        if model.dynamic:
            dynamic = [results[i] for i in model.dynamic]
            nbytes = wire.size([a.nbytes for a in dynamic])
            if nbytes:
                wire.pack_into(alloc.allocate(nbytes), dynamic)
        return [
            "ok",
            None if call.fixed else [d for a in results for d in a.shape],
            *([str(v) for v in results[i].reshape(-1)] for i in model.strings),
        ]
    except BaseException as e:  # noqa: BLE001 - every Python error goes back to Java
        return ["error", *error_fields(e)]


def _shapes(model: _Model, shapes: Any) -> tuple[int, list[tuple[int, ...]]]:
    """The batch and every input's shape, from the batch alone or from the Java ``long[]``."""
    if model.tails is not None:
        batch = int(shapes)
        return batch, [() if tail is None else (batch, *tail) for tail in model.tails]
    dims = [int(d) for d in shapes]
    out, at = [], 0
    for _, rank, _, _ in model.call.inputs:
        out.append(tuple(dims[at : at + rank]))
        at += rank
    return dims[0], out


def _view(x: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only array of ``dtype`` and ``shape`` over the bytes of ``x`` (Java's buffer, no copy;
    None for a tensor without elements)."""
    if x is None or 0 in shape:
        return np.zeros(shape, dtype=dtype)
    n = math.prod(shape) * dtype.itemsize
    view: np.ndarray = (x if x.nbytes == n else x[:n]).view(dtype).reshape(shape)
    view.flags.writeable = False
    return view
