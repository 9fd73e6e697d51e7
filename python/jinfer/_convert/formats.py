"""The bundle formats: one row each, ``format → (file name, libraries, available(), convert())``.

The order of :data:`FORMATS` is the default preference order of a bundle's artifacts (best
first); ``python`` is the last resort. Adding a format is one converter module in this package
and one row here (and a Java backend that runs it).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._dtypes import Array
from .._manifest import TensorSpec
from . import mojo, onnx, pmml, python

__all__ = ["FORMATS", "Converted", "Format", "Job", "available_formats"]

Converted = tuple[bytes, dict[str, Any]]
"""A converter's result: the artifact's bytes, and its details for the manifest."""


@dataclass(frozen=True)
class Job:
    """What a converter is given: a fitted model as scikit-learn sees it, and the export's facts."""

    model: Any
    inputs: tuple[TensorSpec, ...]  # the bundle's input specs
    columns: tuple[str, ...]  # the table's column names, in order (PMML's input fields)
    task: str
    dtype: str  # the floating type of inputs and outputs
    callable: str | None = None  # the python artifact's "module:function", if not the default
    outputs: tuple[TensorSpec, ...] = ()  # the bundle's canonical outputs (what the artifact must give)
    feeds: Mapping[str, Array] = field(default_factory=dict)  # the sample, by canonical input name
    expected: Mapping[str, Array] = field(default_factory=dict)  # the model's own outputs on it


@dataclass(frozen=True)
class Format:
    """One bundle format."""

    name: str  # the artifact's backend in the manifest
    filename: str  # the artifact's path in the bundle
    libraries: tuple[str, ...]  # the distributions that convert (their versions go in the manifest)
    available: Callable[[], bool]  # whether it is a default format here (its converter is installed)
    convert: Callable[[Job], Converted]


def _always() -> bool:
    return True


def _never() -> bool:
    return False  # a format of one family only: that family asks for it


def _installed(module: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(module) is not None


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "onnx",
            "model.onnx",
            ("skl2onnx", "onnx", "onnxruntime"),
            _always,
            lambda job: onnx.convert_sklearn(
                job.model, job.inputs, job.dtype, job.task, job.outputs, job.feeds, job.expected
            ),
        ),
        Format(
            "pmml",
            "model.pmml",
            ("sklearn2pmml", "jpmml-evaluator"),
            _installed("sklearn2pmml"),
            lambda job: pmml.convert_pmml(job.model, list(job.columns), job.task, job.outputs),
        ),
        Format("mojo", "model.mojo", ("h2o",), _never, lambda job: mojo.convert_mojo(job.model)),
        Format(
            "python",
            "model.joblib",
            ("joblib",),
            _always,
            lambda job: python.pickle_model(job.model, job.callable, job.outputs),
        ),
    )
}


def available_formats() -> tuple[str, ...]:
    """The default formats, best first: every one whose converter is installed here."""
    return tuple(name for name, f in FORMATS.items() if f.available())
