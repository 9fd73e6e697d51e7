"""Models loaded in the JVM: ``jinfer.load(path).predict(X)`` runs ``io.jinfer.Models``."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import threading
import time
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jpype
import jpype.nio
import numpy as np

from .._bundle import Bundle
from .._dtypes import DTYPES, dtype_by_name, dtype_of, strings_array
from .._exceptions import BackendError, BundleError, InputError, JinferError
from .._limits import Limits
from .._manifest import Manifest, TensorSpec
from .._outputs import Outputs
from ..tensor import _buffer_view, _direct_buffer, _java_strings, from_java, is_zero_copy, to_java
from . import wire
from .jvm import java_errors, jclass, start, translated

__all__ = ["Model", "load"]

_STAGE_BYTES = 64 << 10  # one staging buffer per thread and model: inputs in the first half,
_STAGE_INPUTS = 32 << 10  # outputs in the second
_MAX_TENSOR_BYTES = 2**31 - 1  # a Java ByteBuffer holds at most this many bytes
_WARMUP_BUDGET_S = 1.0  # the warm-up makes no call after this, as io.jinfer.Warmup.BUDGET_NANOS
# the numpy (kind, itemsize) pairs of jinfer's numeric dtypes: arrays of any other kind are checked
# by _input_array against the dtype table (so a dtype added to the table is taken here too)
_REUSED_COPY_BYTES = 1 << 20  # a larger input that needs a copy is copied into reused memory
_STRING_BUFFER_MIN = 16  # from this many string elements, the staged path sends them as one buffer
_NO_PLANS: dict[Any, Any] = {}  # a thread with no staging buffer yet
# from the numpy codes, not DType.numpy: that imports ml_dtypes (0.4 s) for bfloat16, whose kind is V all the same
_NUMERIC = frozenset((np.dtype(d.numpy_code).kind, d.itemsize) for d in DTYPES if d.itemsize)


def _batch(specs: tuple[TensorSpec, ...], arrays: list[np.ndarray]) -> int:
    """The batch size as Java counts it: the batch dimension of the first batched input (1 when
    no input has one)."""
    for spec, arr in zip(specs, arrays):
        axis = spec.batch_dim if spec.batch_dim is not None else 0
        if axis >= 0 and arr.ndim > axis:
            return int(arr.shape[axis])
    return 1


def _close_java(jmodel: Any) -> None:
    """Close a Java ``io.jinfer.Model`` that Python let go of; nothing to do once the JVM is down."""
    if jpype.isJVMStarted():
        with contextlib.suppress(jpype.JException):  # a failure to free memory has no caller to tell
            jmodel.close()


class Model:
    """A bundle loaded in the JVM. ``predict`` runs the same Java code path a service runs.

    Close it (or use it as a context manager) to free the runtime's native memory at once; a
    model dropped without ``close()`` is closed when Python collects it. ``close()`` waits for the
    calls in flight; a call made after it raises :class:`JinferError` with code ``MODEL_CLOSED``.
    """

    def __init__(self, jmodel: Any, path: Path) -> None:
        self._jmodel = jmodel
        self._finalizer = weakref.finalize(self, _close_java, jmodel)
        self._finalizer.atexit = False  # at exit, the JVM's shutdown frees everything
        self.path = path
        self.manifest = Manifest.from_json(str(jmodel.manifest().raw().toString()))
        self.backend: str = str(jmodel.backend())
        self._output_names = [o.name for o in self.manifest.outputs]
        self._input_names = [s.name for s in self.manifest.inputs]
        self._input_set = frozenset(self._input_names)
        self._input_dtypes = {s.name: s.dtype for s in self.manifest.inputs}
        # per output: name, whether strings, numpy dtype, rank, and the shape after the batch
        self._outs = [
            (o.name, o.dtype == "string", dtype_by_name(o.dtype).numpy, len(o.shape), tuple(o.shape[1:]))
            for o in self.manifest.outputs
        ]
        # Java sends the shapes back unless every output is [batch, fixed...] (or rank 0)
        self._shapes_back = any(-1 in o.shape[1:] or (o.shape and o.batch_dim != 0) for o in self.manifest.outputs)
        # per output, bytes per batch row: the staged path needs them all (numeric, batch first, fixed
        # inner dims), and inputs that all have their batch first
        rows = [
            None
            if o.dtype == "string" or not o.shape or -1 in o.shape[1:] or o.batch_dim != 0
            else dtype_by_name(o.dtype).itemsize * int(np.prod(o.shape[1:]))
            for o in self.manifest.outputs
        ]
        if any(spec.batch_dim != 0 for spec in self.manifest.inputs):
            rows = [None]
        self._row_bytes: list[int] | None = None if None in rows else [r for r in rows if r is not None]
        self._single = self._row_bytes is not None and len(self._input_names) == 1  # predict's hot path applies
        self._local = threading.local()  # this thread's staging buffer, for this model
        self._HashMap = jclass("java.util.HashMap")
        self._FromPython = jclass("io.jinfer.bridge.FromPython")
        self._objects = jpype.JArray(jpype.JObject)
        self._strings = jpype.JArray(jpype.JString)
        self._longs = jpype.JArray(jpype.JLong)
        self._closed = False

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        return self.manifest.inputs

    @property
    def outputs(self) -> tuple[TensorSpec, ...]:
        return self.manifest.outputs

    def predict(self, X: Any) -> Outputs:
        """Run one batch. ``X`` is an array (single-input models) or a mapping of input name to
        array. Returns the canonical outputs by name (an :class:`Outputs` dict, with ``.label``,
        ``.probabilities``, ``.scores`` and ``.prediction``): arrays of the caller's own, copied
        out of memory this thread reuses (a small batch's inputs go through it too), except for
        outputs of strings or of shapes only Java knows, which are read-only views of the Java
        result buffers."""
        if self._closed:
            raise self._closed_error()
        # the hot path: numbers in a layout staged before, on this thread (strings are checked first)
        if type(X) is np.ndarray and self._single and X.dtype.kind not in "OUS":
            plan = getattr(self._local, "views", _NO_PLANS).get(((X.dtype, X.shape),))
            if plan and not self._local.busy:
                return self._run_staged(plan, (X,), [])
        elif type(X) is dict and self._row_bytes is not None and len(X) == len(self._input_names):
            # the same for a dict holding an array per input: their layout staged before, on this
            # thread, and the elements of string inputs str of valid text (what _input_array checks)
            given = [X.get(name) for name in self._input_names]
            layout = [(a.dtype, a.shape) for a in given if type(a) is np.ndarray]
            if len(layout) == len(given):
                plan = getattr(self._local, "views", _NO_PLANS).get(tuple(layout))
                if plan and not self._local.busy:
                    strings = _strings_of(given, plan[3])
                    if _is_text(strings):
                        return self._run_staged(plan, given, strings)
        frame = _is_frame(X)  # a DataFrame's columns are checked as they convert
        feeds = self._frame_feeds(X) if frame else self._feeds(X)
        for name, arr in feeds.items():
            if arr.nbytes > _MAX_TENSOR_BYTES or (not frame and (arr.dtype.kind, arr.dtype.itemsize) not in _NUMERIC):
                feeds[name] = _input_array(name, self._input_dtypes.get(name), arr)
        if feeds.keys() != self._input_set:
            return Outputs(self._predict_map(feeds))
        arrays = [feeds[name] for name in self._input_names]
        staged = self._predict_staged(arrays) if self._row_bytes is not None else None
        return staged if staged is not None else Outputs(self._predict_buffers(arrays))

    def _predict_staged(self, arrays: list[np.ndarray]) -> Outputs | None:
        """A small numeric batch through this thread's staging buffer (a Java ``StagedCall`` per layout):
        the inputs copied in, the outputs copied out. For a few kilobytes that costs less than
        handing buffers over and reading them back through JPype. None when the batch does not
        qualify (strings, empty, too big) or this thread is already inside this model."""
        local = self._local
        if getattr(local, "busy", False):
            return None
        key = tuple((a.dtype, a.shape) for a in arrays)
        views = getattr(local, "views", None)
        if views is None:  # pinned for the thread's life: 64 KiB, handed to Java once
            local.stage = np.zeros(_STAGE_BYTES, dtype=np.uint8)
            local.jstage = jpype.nio.convertToDirectBuffer(local.stage)
            local.busy = False
            views = local.views = {}
        plan = views.get(key)
        if plan is None:
            plan = self._stage_plan(arrays, local.stage, local.jstage)
            if len(views) < 64:  # one plan per input layout: usually one or two
                views[key] = plan
        if not plan:
            return None
        return self._run_staged(plan, arrays, _strings_of(arrays, plan[3]))

    def _run_staged(self, plan: Any, arrays: Any, strings: list[str]) -> Outputs:
        """One batch through this thread's staging buffer, by a plan of :meth:`_stage_plan`; the
        string inputs' elements (``strings``, checked, of the inputs with no view in the buffer)
        cross beside it (:meth:`_staged_strings`)."""
        local = self._local
        run, inputs, outputs, _ = plan
        for dst, arr in zip(inputs, arrays):
            if dst is not None:
                dst[...] = arr  # numbers only ("biuf": a plan stages no bfloat16)
        local.busy = True
        try:
            if strings:
                run(self._staged_strings(strings))
            else:
                run()
        except jpype.JException as e:
            raise self._translated(e) from None
        finally:
            local.busy = False
        return Outputs([(name, view.copy()) for name, view in outputs])

    def _staged_strings(self, strings: list[str]) -> Any:
        """Every string input's elements as ``StagedCall.run`` takes them: a few as the list itself,
        which JPype converts to the ``String[]`` in C (1.2 µs less than a ``JArray`` made here, for
        3), more as one buffer (:func:`.wire.encode_strings`). JPype makes a ``String[]`` an element
        at a time: 3,072 strings took it 565 µs, the buffer 100 µs with Java's decoding; below
        ``_STRING_BUFFER_MIN`` the list costs less. The strings were checked as Unicode text."""
        if len(strings) < _STRING_BUFFER_MIN:
            return strings
        data = wire.encode_strings(strings)
        return self._strings(strings) if data.nbytes > _MAX_TENSOR_BYTES else _direct_buffer(data)

    def _stage_plan(self, arrays: list[np.ndarray], stage: np.ndarray, jstage: Any) -> Any:
        """For one layout of inputs: the Java ``StagedCall.run`` that runs it (``FromPython.staged``, the
        layout read once), views of ``stage`` (``jstage`` in Java) for each numeric input (None for a
        string one, which crosses beside the buffer) and output (laid out as :mod:`.wire` says), and
        the string inputs' indexes; or False when that layout cannot be staged."""
        numeric = [a.dtype.kind in "biuf" for a in arrays]
        if any(a.size == 0 or not (n or a.dtype.kind in "USO") for a, n in zip(arrays, numeric)):
            return False
        if wire.size([a.nbytes for a, n in zip(arrays, numeric) if n]) > _STAGE_INPUTS:
            return False
        staged = iter(wire.views(stage, [(dtype_of(a).numpy, a.shape) for a, n in zip(arrays, numeric) if n]))
        inputs = [next(staged) if n else None for n in numeric]
        batch = _batch(self.inputs, arrays)
        sizes = [batch * row for row in self._row_bytes or ()]
        if wire.size(sizes, _STAGE_INPUTS) > _STAGE_BYTES:
            return False
        views = wire.views(stage, [(dtype, (batch, *inner)) for _, _, dtype, _, inner in self._outs], _STAGE_INPUTS)
        outputs = [(name, view) for (name, *_), view in zip(self._outs, views)]
        text = tuple(i for i, dst in enumerate(inputs) if dst is None)  # the string inputs
        meta = self._longs([_STAGE_INPUTS, *wire.shape_header(arrays)])
        try:
            call = self._FromPython.staged(self._jmodel, jstage, meta)
        except jpype.JException as e:
            raise self._translated(e) from None
        return call.run, inputs, outputs, text

    def _predict_buffers(self, arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
        """``Model.predict`` in one JPype crossing (``io.jinfer.bridge.FromPython``): the inputs in
        manifest order as bare buffers, and the outputs back the same way, with their dtypes and
        shapes known here. Each JPype conversion costs a microsecond or more."""
        meta = wire.shape_header(arrays)  # also refuses arrays of no jinfer dtype, before anything crosses
        local = self._local
        inside = getattr(local, "busy", False)  # this thread is inside this model already
        data = [self._input_buffer(i, arr, reuse=not inside) for i, arr in enumerate(arrays)]
        batch = _batch(self.inputs, arrays)
        if self._row_bytes is not None and not self._shapes_back:  # outputs of known shapes, no strings
            return self._predict_into(data, meta, batch, inside)
        local.busy = True
        try:
            result = self._FromPython.predict(self._jmodel, self._objects(data), self._longs(meta))
        except jpype.JException as e:
            raise self._translated(e) from None
        finally:
            local.busy = inside
        dims = np.asarray(result[len(self._outs)]).tolist() if self._shapes_back else []
        out: dict[str, np.ndarray] = {}
        at = 0
        for i, (name, is_string, dtype, rank, inner) in enumerate(self._outs):
            if self._shapes_back:
                shape = tuple(dims[at : at + rank])
                at += rank
            else:
                shape = (batch, *inner) if rank else ()
            value = result[i]
            out[name] = _strings_out(value, shape) if is_string else _buffer_view(value, dtype, shape)
        return out

    def _predict_into(self, data: list[Any], meta: list[int], batch: int, inside: bool) -> dict[str, np.ndarray]:
        """``FromPython.predictInto``: Java writes the outputs (from the model's pooled buffers) into
        memory this thread reuses, and each is copied out into an array of the caller's own. Fresh
        direct buffers per call (``FromPython.predict``) are freed only by a collection, and wrapping
        fresh arrays for Java per call cost JPype more than these copies: at batch 10,000 either
        took several times the model's own work. A call inside a call gets memory of its own."""
        specs = [(dtype, (batch, *inner)) for _, _, dtype, _, inner in self._outs]  # every one [batch, fixed...]
        need = wire.size([batch * row for row in self._row_bytes or ()])
        local = self._local
        space = None if inside else getattr(local, "out_space", None)
        if space is None or space[0].nbytes < need:
            memory = np.empty(max(need, 8), dtype=np.uint8)
            space = (memory, jpype.nio.convertToDirectBuffer(memory))
            if not inside:
                local.out_space = space
        local.busy = True
        try:
            self._FromPython.predictInto(self._jmodel, self._objects(data), self._longs(meta), space[1])
        except jpype.JException as e:
            raise self._translated(e) from None
        finally:
            local.busy = inside
        views = wire.views(space[0], specs)
        return {name: view.copy() for (name, *_), view in zip(self._outs, views)}

    def _input_buffer(self, position: int, arr: np.ndarray, *, reuse: bool) -> Any:
        """What crosses to Java for the input at ``position``: strings as a Java array; a numeric
        array as a direct buffer, over its own memory where Java can read it in place (else a
        copy). A large copy (Fortran order, strided, byte-swapped, read-only) is made into memory
        this thread reuses for that input, unless ``reuse`` is false (a call inside a call). Java
        keeps no input after ``predict`` returns, nor gives one back as an output (every backend's
        outputs are buffers of its own: test_staging checks it), and fresh memory costs the
        kernel's zeroing of every page on every call. The reused memory grows to the largest such
        input and lives as long as the model."""
        if arr.dtype.kind in "USO":
            return _strings_in(arr)
        if not arr.size:
            return None
        if not reuse or arr.nbytes < _REUSED_COPY_BYTES or is_zero_copy(arr) or arr.dtype.kind == "V":
            return _direct_buffer(arr)
        copies = self._local.__dict__.setdefault("copies", {})
        space = copies.get(position)
        if space is None or space.nbytes < arr.nbytes:
            space = copies[position] = np.empty(arr.nbytes, dtype=np.uint8)
        view = space[: arr.nbytes].view(arr.dtype.newbyteorder("=")).reshape(arr.shape)
        np.copyto(view, arr)
        return jpype.nio.convertToDirectBuffer(view)

    def _predict_map(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``Model.predict(Map)``, tensor by tensor: for inputs that do not match the specs' names,
        so that Java's checks name what is missing or unknown."""
        jinputs = self._HashMap()
        for name, arr in feeds.items():
            jinputs.put(name, to_java(arr))
        try:
            jout = self._jmodel.predict(jinputs)
        except jpype.JException as e:
            raise self._translated(e) from None
        return {name: from_java(jout.get(name)) for name in self._output_names}

    def _translated(self, e: Any) -> BaseException:
        """The jinfer error for a Java one; a call that reached Java after ``close()`` is MODEL_CLOSED."""
        if self._closed and str(e.getClass().getName()) == "java.lang.IllegalStateException":
            return self._closed_error()
        return translated(e)

    def _closed_error(self) -> JinferError:
        return JinferError(f"model {self.manifest.name} is closed", code="MODEL_CLOSED")

    def _feeds(self, X: Any) -> dict[str, np.ndarray]:
        if _is_frame(X):
            return self._frame_feeds(X)
        if isinstance(X, Mapping):
            return {str(k): np.asarray(v) for k, v in X.items()}
        if len(self.inputs) != 1:
            names = [s.name for s in self.inputs]
            raise InputError(
                f"this model takes {len(names)} inputs {names}; pass a dict of name to array",
                code="MISSING_INPUT",
            )
        return {self.inputs[0].name: np.asarray(X)}

    def _frame_feeds(self, df: Any) -> dict[str, np.ndarray]:
        """A pandas DataFrame as the model's inputs: its columns converted to the spec dtypes, and
        string columns checked as :func:`_input_array` checks them (``predict`` does not check them
        again)."""
        have = [str(c) for c in df.columns]
        if len(self.inputs) == 1 and self.inputs[0].columns and len(self.inputs[0].shape) == 2:
            spec = self.inputs[0]
            cols = list(spec.columns or ())
            missing = [c for c in cols if c not in have]
            if missing:
                raise InputError(
                    f"input {spec.name!r}: the DataFrame lacks columns {missing}; expected {cols}, got {have}",
                    code="MISSING_INPUT",
                )
            if spec.dtype != "string":
                with contextlib.suppress(TypeError, ValueError):
                    return {spec.name: df[cols].to_numpy(dtype=spec.dtype)}
            # strings, or a column that does not convert: column by column, naming the one at fault
            return {spec.name: np.stack([_column(spec.name, c, df[c], spec.dtype) for c in cols], axis=1)}
        feeds = {}
        for spec in self.inputs:
            if spec.name not in have:
                raise InputError(
                    f"missing input {spec.name!r}: the DataFrame has no such column; expected columns "
                    f"{[s.name for s in self.inputs]}, got {have}",
                    code="MISSING_INPUT",
                )
            feeds[spec.name] = _column(spec.name, spec.name, df[spec.name], spec.dtype)
        return feeds

    def close(self) -> None:
        """Free the runtime's resources, after the calls in flight return. Idempotent."""
        if not self._closed:
            self._closed = True
            self._finalizer.detach()
            with java_errors():
                self._jmodel.close()

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Model({self.manifest.name!r} {self.manifest.version}, backend={self.backend!r})"


def _is_frame(X: Any) -> bool:
    """Whether ``X`` is a pandas DataFrame (or acts as one), without importing pandas."""
    return hasattr(X, "columns") and hasattr(X, "dtypes")


def _strings_of(arrays: Any, text: tuple[int, ...]) -> list[Any]:
    """The elements of the string inputs (``arrays[i]`` for each ``i`` of ``text``), in input
    order, in one list: they cross in one piece, since each JPype array costs microseconds.
    ``tolist`` takes them as they are, in C."""
    strings: list[Any] = []
    for i in text:
        arr = arrays[i]
        strings += arr.tolist() if arr.ndim == 1 else arr.reshape(-1).tolist()
    return strings


def _is_text(strings: list[Any]) -> bool:
    """Whether ``strings`` are all ``str`` (``join`` refuses anything else) of valid Unicode text
    (``encode`` refuses a lone surrogate), as :func:`_input_array` requires of a string input: the
    hot path's check, which leaves the error naming the element at fault to the full path."""
    try:
        "".join(strings).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return False
    return True


def _strings_in(arr: np.ndarray) -> Any:
    """A string input as it crosses to Java: one direct buffer (:func:`.wire.encode_strings`), or a
    ``String[]`` when it is empty or too big for one buffer. ``arr`` holds ``str`` elements only
    (:func:`_input_array` checked them)."""
    flat = arr.reshape(-1).tolist()
    data = wire.encode_strings(flat) if flat else None
    if data is None or data.nbytes > _MAX_TENSOR_BYTES:
        return _java_strings(arr)
    return _direct_buffer(data)


def _strings_out(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A string output as ``FromPython`` gives it back: a buffer laid out as :func:`.wire.decode_strings`
    reads it, or a ``String[]`` (no elements, or text UTF-8 cannot carry)."""
    if isinstance(value, jpype.JArray):
        return strings_array(value, shape)
    return np.array(wire.decode_strings(np.frombuffer(value, dtype=np.uint8), math.prod(shape)), dtype=str).reshape(
        shape
    )


def _column(input_name: str, column: str, series: Any, dtype: str) -> np.ndarray:
    """One DataFrame column as an array of ``dtype``: numbers converted (a value that is not one is
    ``DTYPE_MISMATCH``), strings checked as :func:`_input_array` checks them."""
    where = f"input {input_name!r}, column {column!r}"
    if dtype == "string":
        values = series.to_numpy()
        if values.dtype.kind not in "OUS":  # numbers or booleans as text, as pandas writes them
            return np.asarray(series.astype(str).to_numpy(), dtype=str)
        return _input_array(input_name, dtype, values, where)
    try:
        return np.asarray(series.to_numpy(dtype=dtype))
    except (TypeError, ValueError) as e:
        raise InputError(
            f"{where}: expected {dtype} values, got a column of {series.dtype}: {e}", code="DTYPE_MISMATCH"
        ) from None


def _input_array(name: str, expected: str | None, arr: np.ndarray, where: str | None = None) -> np.ndarray:
    """``arr`` as it can cross to Java, or the :class:`InputError` that says why it cannot: a dtype
    outside the table (``DTYPE_MISMATCH``), more than 2 GiB, text that is not Unicode, or a string
    input holding something else than ``str`` (None and NaN: ``INVALID_VALUE``)."""
    where = where or f"input {name!r}"
    want = f"expected {expected}" if expected else "expected one of jinfer's dtypes"
    kind = arr.dtype.kind
    if kind == "S":  # bytes: taken as UTF-8 text, as bundles store them
        try:
            arr = np.char.decode(arr, "utf-8")
        except UnicodeDecodeError as e:
            raise InputError(
                f"{where}: bytes that are not UTF-8 text ({e.reason}); decode them", code="INVALID_VALUE"
            ) from None
    elif kind == "O" and not all(issubclass(t, str) for t in set(map(type, arr.flat))):  # C loops, then
        for i, v in enumerate(arr.flat):  # find the first element at fault
            if not isinstance(v, str):
                missing = v is None or (isinstance(v, float) and v != v)
                raise InputError(
                    f"{where}: element {i} is "
                    + ("a missing value" if missing else f"{type(v).__name__} {v!r:.40}")
                    + f"; {want}, and string inputs take str elements only",
                    code="INVALID_VALUE" if missing else "DTYPE_MISMATCH",
                ) from None
    if arr.dtype.kind in "UO":
        try:
            "".join(arr.flat).encode("utf-8")
        except UnicodeEncodeError:
            i = next(i for i, v in enumerate(arr.flat) if not _is_unicode(v))
            raise InputError(
                f"{where}: element {i} is not valid Unicode text (a lone surrogate); Java strings hold UTF-8 text",
                code="INVALID_VALUE",
            ) from None
        return arr
    try:
        dtype_of(arr)
    except TypeError:
        raise InputError(
            f"{where}: {want}, got numpy {arr.dtype}, which has no jinfer dtype "
            f"(jinfer has {[d.name for d in DTYPES]}); convert it with .astype(...)",
            code="DTYPE_MISMATCH",
        ) from None
    if arr.nbytes > _MAX_TENSOR_BYTES:
        raise InputError(
            f"{where}: {arr.nbytes} bytes {list(arr.shape)} in one call; a tensor crosses to Java in one "
            f"buffer of at most {_MAX_TENSOR_BYTES} bytes (2 GiB): split the batch",
            code="INVALID_VALUE",
        )
    return arr


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load(
    path: str | os.PathLike[str],
    backend: str | None = None,
    *,
    intra_op_threads: int = 0,
    inter_op_threads: int = 0,
    max_bytes: int | None = None,
    options: Mapping[str, str] | None = None,
    trust_python: bool = False,
    limits: Limits | None = None,
    allow_non_finite: bool = False,
    warmup: int | None = None,
) -> Model:
    """Load a bundle in the JVM (starting it if needed) through ``io.jinfer.Models.load``.

    ``path`` is a bundle (zip or directory), or ``"python:NAME"`` for a live object registered with
    :func:`jinfer.register`. ``backend`` forces one artifact kind (``"onnx"``); by default the
    first usable one is taken. ``trust_python=True`` allows a python artifact to be unpickled
    (which runs its code): only for bundles you trust. ``limits`` bounds what the Java reader
    accepts (:class:`jinfer.Limits`, the same fields as ``io.jinfer.Limits``); ``max_bytes`` is a
    shorthand for its ``max_bundle_bytes``. ``allow_non_finite=True`` lets NaN and
    infinities through to the backend, for a model that handles missing values itself; by default
    ``predict`` refuses them with :class:`InputError` (``INVALID_VALUE``, naming the input and row).
    ``warmup`` is the number of predictions made at load, through this ``predict``, on the bundle's
    parity sample (the whole sample once, then its rows one at a time, for at most a second), so
    that the JVM's JIT has compiled the path before your first call; by default
    ``io.jinfer.LoadOptions.DEFAULT_WARMUP``, and 0 turns it off (the rules are those of
    ``LoadOptions.warmup`` in Java). A live object (``python:NAME``) is not warmed up.
    Raises :class:`BundleError` for a bad bundle and :class:`BackendError` when nothing loads or
    the warm-up fails (the model is then closed, and the message names the bundle).
    """
    start()
    p = Path(path)
    LoadOptions = jclass("io.jinfer.LoadOptions")
    b = LoadOptions.builder().intraOpThreads(intra_op_threads).interOpThreads(inter_op_threads)
    if backend:
        b = b.backend(backend)
    if limits is not None:
        b = b.limits(_java_limits(limits))
    if max_bytes is not None:
        b = b.maxBundleBytes(max_bytes)
    if trust_python:
        b = b.trustPython(True)
    if allow_non_finite:
        b = b.allowNonFinite(True)
    calls = int(LoadOptions.DEFAULT_WARMUP) if warmup is None else warmup
    if calls < 0:
        raise ValueError(f"warmup: expected 0 or more calls, got {calls}")
    b = b.warmup(0)  # the warm-up runs below, through Python's own path into Java
    for k, v in (options or {}).items():
        b = b.option(k, v)
    location = str(path) if str(path).startswith("python:") else str(p.absolute())
    with java_errors():
        jmodel = jclass("io.jinfer.Models").load(jpype.JString(location), b.build())
    try:
        model = Model(jmodel, p)
    except BaseException:  # Java took the bundle and Python did not: free what Java loaded
        _close_java(jmodel)
        raise
    if calls and not location.startswith("python:"):
        try:
            _warm_up(model, p, limits, calls)
        except BaseException as e:
            model.close()
            if isinstance(e, JinferError):
                kind = BundleError if isinstance(e, (BundleError, InputError)) else BackendError
                raise kind(
                    f"bundle {p}: the warm-up at load (warmup={calls}) failed on the {model.backend} backend: "
                    f"{e.message}",
                    code="BUNDLE_CORRUPT" if isinstance(e, InputError) else e.code,
                ) from e
            raise
    return model


def _warm_up(model: Model, path: Path, limits: Limits | None, calls: int) -> None:
    """``calls`` predictions on the bundle's parity sample, by the rules of ``io.jinfer.Warmup`` in
    Java: the sample as one batch, then its rows one at a time, round and round, until the calls
    are made or a second has passed; a call refused for a value (``INVALID_VALUE``: NaN where this
    load does not allow it) does not count, and its row is dropped. Without a sample, a row of
    zeros when every input is batched, numeric and of fixed inner dimensions, and a failure on
    that made-up row ends the warm-up quietly."""
    with Bundle.open(path, limits=limits) as b:
        sample = b.parity_inputs()
    specs = model.inputs
    if sample:
        _warm_calls(model, sample, calls)
        return
    if not specs or any(
        s.dtype == "string" or not s.batched or any(d < 0 for i, d in enumerate(s.shape) if i != s.batch_dim)
        for s in specs
    ):
        return  # no string, size or free dimension is safe to make up
    zeros = {s.name: np.zeros([max(d, 1) for d in s.shape], dtype=dtype_by_name(s.dtype).numpy) for s in specs}
    with contextlib.suppress(JinferError):  # a made-up row says nothing about the bundle
        _warm_calls(model, zeros, calls)


def _warm_calls(model: Model, sample: dict[str, np.ndarray], calls: int) -> None:
    start = time.monotonic()
    specs = model.inputs
    batch = {len(a) if a.ndim else 0 for a in sample.values()}
    if len(batch) != 1 or any(s.batch_dim != 0 for s in specs) or sample.keys() != {s.name for s in specs}:
        rows = [sample]
    else:
        rows = [{k: a[i : i + 1] for k, a in sample.items()} for i in range(batch.pop())]
    made = 1 if _accepted(model, sample) else 0
    at = 0
    while made < calls and rows and time.monotonic() - start < _WARMUP_BUDGET_S:
        at %= len(rows)
        if _accepted(model, rows[at]):
            made += 1
            at += 1
        else:
            del rows[at]


def _accepted(model: Model, inputs: dict[str, np.ndarray]) -> bool:
    """One call; False when the model refuses a value of its inputs (``INVALID_VALUE``)."""
    try:
        model.predict(inputs)
    except InputError as e:
        if e.code == "INVALID_VALUE":
            return False
        raise
    return True


def _java_limits(limits: Limits) -> Any:
    """The ``io.jinfer.Limits`` of these limits: each field through its builder method."""
    b = jclass("io.jinfer.Limits").builder()
    for f in dataclasses.fields(limits):
        camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), f.name)
        getattr(b, camel)(getattr(limits, f.name))
    return b.build()
