"""MLflow model directories exported through the family of the flavor inside, or as a pyfunc python artifact.

:mod:`.mlmodel` reads the directory; ``jinfer.from_mlflow`` (export) wraps the loaded model in an
:class:`MLflowSource`, which :class:`MLflowFamily` exports through the flavor's own family with the
MLflow facts in the manifest. A ``python_function`` model with no flavor jinfer converts is a
:class:`jinfer._artifacts.PyfuncModel`, exported by :class:`PyfuncFamily` as a python artifact.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Any

from .._convert.formats import Converted
from .._convert.python import pickle_model
from .base import Family, Prepared, regressor_outputs
from .mlmodel import MLmodel
from .sample import sample_of

__all__ = ["MLflowFamily", "MLflowSource", "PyfuncFamily"]


class MLflowSource:
    """A model loaded from an MLflow directory, with what ``MLmodel`` says about it."""

    def __init__(self, model: Any, flavor: str, info: MLmodel) -> None:
        self.model, self.flavor, self.info = model, flavor, info


class MLflowFamily(Family):
    """Exports the flavor's model through its own family (``inner``, the family of
    ``MLflowSource.model``), with the MLflow facts in the manifest."""

    key = "mlflow"
    extra = "mlflow"

    def __init__(self, inner: Family) -> None:
        self.inner = inner

    def formats(self, model: Any) -> tuple[str, ...]:
        return self.inner.formats(model.model)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        prep = self.inner.prepare(model.model, X_sample, dtype, max_rows, task=task, classes=classes)
        prep.source = {"mlflow": model.info.source(model.flavor)}
        prep.libraries.update(_mlflow_version())
        return prep

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        data, details = self.inner.convert(fmt, prepared, dtype, callable_spec)
        if fmt == "python":
            details.setdefault("requirements", {}).update(_mlflow_version())
        return data, details


def _mlflow_version() -> dict[str, str]:
    dists = importlib.metadata.packages_distributions().get("mlflow", [])
    return {d: importlib.metadata.version(d) for d in dists}


class PyfuncFamily(Family):
    """A :class:`PyfuncModel`: a python artifact whose ``predict`` output is ``prediction``."""

    key = "pyfunc"
    extra = "mlflow"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("python",)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        if task not in (None, "regression") or classes is not None:
            raise ValueError(
                "task/classes: an MLflow pyfunc model is exported as a regression (its predict output "
                "becomes 'prediction')"
            )
        sample = sample_of(model, X_sample, dtype, max_rows)
        out = model.predict(sample.for_model)
        if out.dtype.kind not in "fiub":
            raise TypeError(
                f"the pyfunc model's predict gives {out.dtype} values; jinfer maps a pyfunc's numeric "
                "output to 'prediction'"
            )
        expected, outputs, cls = regressor_outputs(out, dtype)
        return Prepared(model, sample, "regression", expected, outputs, cls, "pyfunc")

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        if fmt != "python":
            raise TypeError(
                f"an MLflow pyfunc model with no convertible flavor has no {fmt} form; it is exported "
                "as a python artifact"
            )
        return pickle_model(prepared.model, callable_spec)
