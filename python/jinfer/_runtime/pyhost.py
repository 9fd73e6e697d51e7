"""The CPython side of the ``python`` backend when this CPython hosts the JVM (JPype).

When jinfer starts the JVM it installs a ``io.jinfer.python.PythonRuntime`` implemented here
(this module registers :func:`install` as a start hook of :mod:`.jvm`).
Java hands tensors over as numpy views of its buffers (no copy) and takes the results back the
same way. A Python exception inside a model reaches Java as ``io.jinfer.python.PythonException``
with the Python type, message and traceback. Loading and calling a model is shared with the
other host, :mod:`.jephost` (a plain JVM embedding CPython through Jep), in :mod:`.pycall`; this
module moves the tensors across JPype, and keeps the live objects of :func:`register`.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import jpype
import numpy as np

from .._dtypes import strings_array
from .._manifest import Artifact, Manifest, TensorSpec, utc_now
from ..tensor import _buffer_view, _direct_buffer, _java_strings
from . import wire
from .jvm import on_start
from .pycall import Call, DependencyWarning, check_requirements, error_fields, load_artifact, model_callable

__all__ = ["DependencyWarning", "check_requirements", "install", "model_callable", "register", "unregister"]

_registry: dict[str, Call] = {}
_lock = threading.Lock()
_installed = False
_proxy_classes: dict[str, Any] = {}


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _override(method: _Method) -> _Method:
    """``jpype.JOverride`` (untyped), typed: the method as it was, marked as Java's interface method."""
    return cast(_Method, jpype.JOverride(method))


_kept = threading.local()  # per Python thread state: whether keep_thread_state() ran in it


def keep_thread_state() -> None:
    """Keep the Python thread state of the Java thread calling in, for the thread's life.

    A Java thread calling a Python proxy gets a fresh thread state from JPype on every call, and
    JPype 1.7.1 makes a new Python type in each fresh thread state's dict and never frees it
    (``PyJPValue_alloc``): about 1.5 KB per call, 840 MB after 400,000 calls. One more
    ``PyGILState_Ensure``, never released, makes the thread state outlive the call, so the type
    is made once per Java thread. Threads Python started have a lasting thread state already.
    (JPype's next release allocates differently; docs/decisions.md.)
    """
    if getattr(_kept, "done", False) or not isinstance(threading.current_thread(), threading._DummyThread):
        return
    ctypes.pythonapi.PyGILState_Ensure()
    _kept.done = True


def install() -> None:
    """Install the runtime in the (started) JVM, once."""
    global _installed
    with _lock:
        if _installed:
            return
        _define_proxies()
        jpype.JClass("io.jinfer.python.PythonRuntimes").install(_proxy_classes["runtime"]())
        _installed = True


def _define_proxies() -> None:
    # looked up once, not on every call: each JPype lookup or conversion costs microseconds
    objects = jpype.JArray(jpype.JObject)
    longs = jpype.JArray(jpype.JLong)

    @jpype.JImplements("io.jinfer.python.PythonModel")
    class _ModelProxy:
        """A model as Java calls it (see ``io.jinfer.python.PythonModel``): bare buffers in manifest
        order, dtypes from the manifest, every input shape in one ``long[]``, and small results
        copied into one buffer Java allocated. Each JPype conversion costs a microsecond or more,
        so a call makes as few as it can."""

        def __init__(self, call: Call) -> None:
            self._call = call
            self._json = call.manifest.to_json().decode("utf-8")

        @_override
        def predict(self, inputs: Any, shapes: Any, small: Any) -> Any:
            keep_thread_state()
            try:
                dims = np.asarray(shapes).tolist()
                arrays: dict[str, np.ndarray] = {}
                at = 0
                for i, (name, rank, is_string, dtype) in enumerate(self._call.inputs):
                    shape = tuple(dims[at : at + rank])
                    at += rank
                    arrays[name] = (
                        strings_array(inputs[i], shape) if is_string else _buffer_view(inputs[i], dtype, shape)
                    )
                results = self._call(arrays, dims[0])
                if small is not None:
                    wire.pack_into(np.frombuffer(small, dtype=np.uint8), results)
                    return None
                return self._hand_over(results)
            except jpype.JException:
                raise
            except BaseException as e:  # noqa: BLE001 - every Python error crosses as PythonException
                raise _java_exception(e) from None

        def _hand_over(self, results: list[np.ndarray]) -> Any:
            """The results as Java takes them: numpy's memory as direct buffers, strings as String[]."""
            handed: list[Any] = [
                _java_strings(a) if spec.dtype == "string" else _direct_buffer(a) if a.size else None
                for spec, a in zip(self._call.outputs, results)
            ]
            if not self._call.fixed:
                handed.append(longs([d for a in results for d in a.shape]))
            return objects(handed)

        @_override
        def manifestJson(self) -> str:  # noqa: N802 - Java's name
            return self._json

        @_override
        def close(self) -> None:
            del self._call  # the Python model goes now, not when Java happens to collect this proxy

    @jpype.JImplements("io.jinfer.python.PythonRuntime")
    class _Runtime:
        @_override
        def load(self, data: Any, manifest_json: Any, artifact_json: Any) -> Any:
            try:
                return _ModelProxy(load_artifact(bytes(data), str(manifest_json), str(artifact_json)))
            except jpype.JException:
                raise
            except BaseException as e:  # noqa: BLE001
                raise _java_exception(e) from None

        @_override
        def lookup(self, name: Any) -> Any:
            with _lock:
                entry = _registry.get(str(name))
            return None if entry is None else _ModelProxy(entry)

        @_override
        def names(self) -> Any:
            with _lock:
                return jpype.JArray(jpype.JString)(sorted(_registry))

    _proxy_classes["runtime"] = _Runtime


def _java_exception(e: BaseException) -> Any:
    code, qualname, message, tb = error_fields(e)
    if code is not None:
        return jpype.JClass("io.jinfer.BundleException")(jpype.JClass("io.jinfer.ErrorCode").valueOf(code), message)
    return jpype.JClass("io.jinfer.python.PythonException")(qualname, message, tb)


def register(
    name: str,
    model: Any,
    *,
    inputs: Sequence[TensorSpec | Mapping[str, Any]],
    outputs: Sequence[TensorSpec | Mapping[str, Any]],
    task: str | None = None,
    callable_spec: str | None = None,
) -> None:
    """Make a live Python object available to Java as ``Models.load("python:NAME")``, with no file.

    ``model`` is a fitted estimator (its ``predict_proba``/``predict`` are mapped to the canonical
    outputs) or a callable ``f(inputs: dict[str, ndarray]) -> dict[str, ndarray]``. ``inputs`` and
    ``outputs`` are tensor specs (``TensorSpec`` or ``{"name", "dtype", "shape"}``).
    """
    ins = tuple(s if isinstance(s, TensorSpec) else TensorSpec.from_dict(dict(s), "inputs") for s in inputs)
    outs = tuple(s if isinstance(s, TensorSpec) else TensorSpec.from_dict(dict(s), "outputs") for s in outputs)
    names = [o.name for o in outs]
    if task is None:
        task = "classification" if "probabilities" in names else "regression" if "prediction" in names else "transform"
    classes = None
    if task == "classification":
        found = getattr(model, "classes_", None)
        classes = (
            tuple(c.item() if hasattr(c, "item") else c for c in found)
            if found is not None
            else tuple(range(next(o.shape[-1] for o in outs if o.name == "probabilities")))
        )
    manifest = Manifest(
        name=name,
        version="live",
        task=task,
        inputs=ins,
        outputs=outs,
        artifacts=(Artifact("python", f"live/{name}", "0" * 64, 0, {"live": True}),),
        classes=classes,
        created_at=utc_now(),
        description=f"live Python object {name!r}",
    )
    manifest.validate()
    # No JVM is started here: the runtime, installed whenever jinfer starts the JVM, looks the
    # name up at load time. Starting it here would fix its classpath before run_java(classpath=...).
    call = Call(model_callable(model, manifest, callable_spec), manifest)
    with _lock:
        _registry[name] = call


def unregister(name: str) -> None:
    """Remove a live object; Java can no longer load ``python:NAME``."""
    with _lock:
        _registry.pop(name, None)


on_start(install)  # once the JVM is up, Java can call Python models (at the end: install needs all above)
