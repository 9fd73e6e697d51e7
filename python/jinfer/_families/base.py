"""The family contract: what export asks of each kind of model, and the outputs every family maps to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._convert.formats import FORMATS, Converted, Job, available_formats
from .._dtypes import Array
from .._manifest import TensorSpec
from .sample import Sample

__all__ = ["Expected", "Family", "Prepared", "check_task", "classifier_outputs", "refuse_classes", "regressor_outputs"]

Expected = tuple[dict[str, Array], tuple[TensorSpec, ...], tuple[int | str, ...] | None]
"""The model's own outputs on the sample (canonical names), their specs, and the classes."""


@dataclass
class Prepared:
    """What export needs from a family: the model as the converters take it, the sample, the
    task and the original model's own outputs on the sample."""

    model: Any  # a fitted model of the family's library, as its converters take it
    sample: Sample
    task: str
    expected: dict[str, Array]
    outputs: tuple[TensorSpec, ...]
    classes: tuple[int | str, ...] | None
    name: str
    libraries: dict[str, str] = field(default_factory=dict)  # versions, for the manifest's producer
    source: dict[str, Any] | None = None  # where the model came from (an MLflow directory)


class Family:
    """How one kind of model is exported. Subclasses say how to prepare it, and override the
    formats and conversions that differ from the table's (:data:`jinfer._convert.formats.FORMATS`)."""

    key = "?"
    extra: str | None = None  # the jinfer extra that brings the family's libraries

    def formats(self, model: Any) -> tuple[str, ...]:
        """The formats to try by default, best first."""
        return available_formats()

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        raise NotImplementedError(f"{type(self).__name__}.prepare")

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        """The artifact of format ``fmt``: the table's converter, given the prepared model."""
        sample = prepared.sample
        job = Job(
            prepared.model,
            sample.specs,
            tuple(sample.columns),
            prepared.task,
            dtype,
            callable_spec,
            prepared.outputs,
            sample.feeds,
            prepared.expected,
        )
        return FORMATS[fmt].convert(job)

    def libraries(self, model: Any) -> dict[str, str]:
        """The versions of the family's libraries, for the manifest."""
        return {}


def check_task(found: str, wanted: str | None, what: str) -> None:
    if wanted is not None and wanted != found:
        raise ValueError(f"task: {what} is a {found} model, not {wanted!r}; leave task unset for it")


def refuse_classes(classes: Sequence[Any] | None, what: str) -> None:
    if classes is not None:
        raise ValueError(
            f"classes: {what} carries its own classes; pass classes only for PyTorch modules and ONNX models"
        )


def classifier_outputs(proba: Array, label: Array, classes: Sequence[Any], dtype: str) -> Expected:
    cls = (
        tuple(int(c) for c in classes)
        if all(isinstance(c, (int, np.integer)) for c in classes)
        else tuple(str(c) for c in classes)
    )
    label_dtype = "int64" if all(isinstance(c, int) for c in cls) else "string"
    label = np.asarray(label).astype(np.int64 if label_dtype == "int64" else str)
    outputs = (TensorSpec("label", label_dtype, (-1,)), TensorSpec("probabilities", dtype, (-1, len(cls))))
    return {"label": label, "probabilities": np.asarray(proba, dtype=np.float64)}, outputs, cls


def regressor_outputs(pred: Array, dtype: str) -> Expected:
    pred = np.asarray(pred, dtype=np.float64)
    if pred.ndim == 2 and pred.shape[1] == 1:
        pred = pred[:, 0]
    shape = (-1,) if pred.ndim == 1 else (-1, *pred.shape[1:])
    return {"prediction": pred}, (TensorSpec("prediction", dtype, shape),), None
