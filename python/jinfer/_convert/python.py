"""The ``python`` artifact: the model itself, pickled with joblib, with what it needs to load."""

from __future__ import annotations

import importlib.metadata
import io
import pickle
import platform
import sys
from collections.abc import Sequence
from typing import Any

from .._manifest import TensorSpec

__all__ = ["pickle_model", "requirements_of"]


def pickle_model(
    model: Any, callable_spec: str | None, outputs: Sequence[TensorSpec] = ()
) -> tuple[bytes, dict[str, Any]]:
    """The joblib bytes of ``model`` and the artifact details: the callable (the methods that give
    the bundle's ``outputs``, unless ``callable_spec`` names a function), the Python version, and
    the versions of every library the pickle refers to."""
    import joblib

    if callable_spec is not None:
        module, sep, name = callable_spec.partition(":")
        if not sep or not module or not name:
            raise ValueError(f"callable: expected 'module:function', got {callable_spec!r}")
        fn = getattr(importlib.import_module(module), name)  # fail now, not in production
        if not callable(fn):
            raise TypeError(f"callable: {callable_spec} is not a function")
    requirements, modules = requirements_of(model, extra=[callable_spec.partition(":")[0]] if callable_spec else [])
    buf = io.BytesIO()
    joblib.dump(model, buf)
    details = {
        "serializer": f"joblib {joblib.__version__}",
        "callable": callable_spec or _methods(model, {o.name for o in outputs}),
        "python": platform.python_version(),
        "requirements": requirements,
        "modules": modules,
    }
    return buf.getvalue(), details


def _methods(model: Any, outputs: set[str]) -> str:
    """The estimator methods the python backend calls for these outputs, as the manifest says."""
    if not hasattr(model, "predict"):
        return "transform" if "transformed" in outputs else "__call__"
    if "scores" in outputs:
        return "predict + decision_function"
    if "label" in outputs and "probabilities" not in outputs:
        return "predict"
    return "predict_proba/predict"


class _Scan(pickle.Pickler):
    """A pickler that only notes the module of every class and function it meets."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL)
        self.modules: set[str] = set()

    def reducer_override(self, obj: Any) -> Any:
        self.modules.add(str(getattr(type(obj), "__module__", "") or ""))
        if isinstance(obj, type) or callable(obj):
            self.modules.add(str(getattr(obj, "__module__", "") or ""))
        return NotImplemented


def requirements_of(model: Any, extra: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """The distributions (with versions) and the plain modules that unpickling ``model`` imports."""
    scan = _Scan()
    scan.dump(model)
    tops = {m.split(".")[0] for m in scan.modules | set(extra or []) if m}
    if "__main__" in tops:
        raise ValueError(
            "the model refers to code defined in __main__, which another process cannot import; "
            "move that code into an importable module"
        )
    dists = importlib.metadata.packages_distributions()
    requirements: dict[str, str] = {}
    modules: list[str] = []
    for top in sorted(tops):
        if top in sys.stdlib_module_names or top == "builtins":
            continue
        names = dists.get(top)
        if names:
            for dist in names:
                requirements[dist] = importlib.metadata.version(dist)
        else:
            modules.append(top)
    return requirements, modules
