"""H2O-3 models (GBM, DRF, GLM, XGBoost, Deep Learning, StackedEnsemble, ...) → MOJO, and ONNX for GBMs.

The MOJO is H2O's own export (``download_mojo``), scored in Java by h2o-genmodel: the bundle's
first artifact. Its columns give the bundle's inputs: one ``features`` matrix when every column is
numeric, else one input per column, the categorical ones as ``string`` tensors (a missing level
is an empty string). The expected outputs are ``h2o_model.predict`` on exactly the values the
bundle records (the sample cast to ``dtype``), uploaded to the H2O cluster the model lives in.

ONNX is tried as the fallback for GBMs on numeric columns (onnxmltools' H2O converter). H2O's
binomial label is not the converter's argmax: it is class 1 when its probability reaches the
model's F1-optimal threshold, so the graph gets that rule, and the labels come from the classes.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._convert.capture import captured
from .._convert.formats import Converted
from .._convert.mojo import MojoInfo, convert_mojo, read_mojo
from .._dtypes import Array
from .._exceptions import InputError
from .._manifest import TensorSpec
from .._optional import require, version_of
from .base import Family, Prepared, check_task, classifier_outputs, refuse_classes, regressor_outputs
from .heads import label_head
from .sample import Sample

__all__ = ["H2OFamily", "H2OModel"]

_CLASSIFIERS = ("Binomial", "Multinomial", "Ordinal")
ONNX_OPSET = 15  # the newest that onnxmltools' H2O converter writes


@dataclass(frozen=True)
class H2OModel:
    """An H2O model with its MOJO, downloaded once for every format."""

    model: Any  # the h2o estimator, in its cluster
    mojo: bytes
    details: dict[str, Any]
    info: MojoInfo


class H2OFamily(Family):
    """A trained H2O-3 model (an ``h2o.model.ModelBase``): its MOJO first, ONNX for numeric GBMs."""

    key = "h2o"
    extra = "h2o"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("mojo", "onnx")

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        h2o = require("h2o", "exporting an H2O model", "h2o")
        refuse_classes(classes, "an H2O model")
        data, details = convert_mojo(model)
        info = read_mojo(data)
        what = f"H2O {info.algorithm} model ({info.category})"
        if info.category not in (*_CLASSIFIERS, "Regression"):
            raise TypeError(f"{what}: jinfer exports Binomial, Multinomial, Ordinal and Regression H2O models")
        if info.info.get("offset_column", "null") != "null":
            raise TypeError(f"{what}: it takes an offset column, which jinfer bundles have no input for")
        found = "classification" if info.category in _CLASSIFIERS else "regression"
        check_task(found, task, f"this {what}")
        columns = _columns(X_sample, info.features, max_rows)
        sample = _sample(columns, info, dtype)
        rows = _predict(h2o, model, sample, info)
        if found == "classification":
            assert info.response is not None
            levels = info.domains[info.response]
            cls: list[Any] = [int(c) for c in levels] if all(_is_int(c) for c in levels) else list(levels)
            labels = [cls[levels.index(r[0])] for r in rows]
            proba = np.array([[float(v) for v in r[1 : 1 + len(cls)]] for r in rows])
            expected, outputs, classes_out = classifier_outputs(proba, np.array(labels), cls, dtype)
        else:
            expected, outputs, classes_out = regressor_outputs(np.array([float(r[0]) for r in rows]), dtype)
        libraries = version_of("h2o", "onnxmltools")
        return Prepared(
            H2OModel(model, data, details, info),
            sample,
            found,
            expected,
            outputs,
            classes_out,
            model.model_id,
            libraries,
        )

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        h: H2OModel = prepared.model
        if fmt == "mojo":
            return h.mojo, dict(h.details)
        if fmt == "onnx":
            return _to_onnx(h, prepared.classes, dtype)
        raise TypeError(f"there is no {fmt.upper()} converter for H2O models; their formats are the MOJO and ONNX")


def _is_int(level: str) -> bool:
    return level.lstrip("-").isdigit() and str(int(level)) == level


# ---------------------------------------------------------------- the sample


def _columns(X_sample: Any, features: Sequence[str], max_rows: int) -> dict[str, list[Any]]:
    """The sample's values of each feature column, at most ``max_rows`` of them: numbers, or
    strings (None where missing) as H2O reads them."""
    if hasattr(X_sample, "frame_id") and hasattr(X_sample, "as_data_frame"):  # an H2OFrame
        rows = X_sample.head(rows=max_rows, cols=X_sample.ncol).as_data_frame(use_pandas=False)
        table: dict[str, list[Any]] = {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}
    elif hasattr(X_sample, "columns") and hasattr(X_sample, "iloc"):  # a pandas DataFrame
        df = X_sample.iloc[:max_rows]
        table = {str(c): df[c].tolist() for c in df.columns}
    elif isinstance(X_sample, Mapping):
        table = {str(k): list(np.asarray(v))[:max_rows] for k, v in X_sample.items()}
    else:
        raise InputError(
            f"X_sample: an H2O model takes an H2OFrame, a pandas DataFrame or a dict of columns; "
            f"got {type(X_sample).__name__}",
            code="DTYPE_MISMATCH",
        )
    missing = [f for f in features if f not in table]
    if missing:
        raise InputError(
            f"X_sample: the model's columns {missing} are missing; it has {list(table)[:20]}", code="MISSING_INPUT"
        )
    if not table[features[0]]:
        raise InputError("X_sample: expected at least one row, got none", code="SHAPE_MISMATCH")
    return {f: table[f] for f in features}


def _missing(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def _sample(columns: dict[str, list[Any]], info: MojoInfo, dtype: str) -> Sample:
    feeds: dict[str, Array] = {}
    for name, values in columns.items():
        if name in info.domains:
            feeds[name] = np.array(["" if _missing(v) else _level(v) for v in values], dtype=str)
        else:
            try:
                feeds[name] = np.array([math.nan if _missing(v) else float(v) for v in values], dtype=dtype)
            except (TypeError, ValueError) as e:
                raise InputError(
                    f"X_sample column {name!r}: the model takes numbers there; got {e}", code="DTYPE_MISMATCH"
                ) from e
    names = list(columns)
    if not any(n in info.domains for n in names):  # all numeric: one matrix, as the ONNX graph takes it
        X = np.ascontiguousarray(np.column_stack([feeds[n] for n in names]))
        spec = TensorSpec("features", dtype, (-1, len(names)), tuple(names))
        return Sample({"features": X}, (spec,), feeds, names)
    specs = tuple(TensorSpec(n, "string" if n in info.domains else dtype, (-1,)) for n in names)
    return Sample(feeds, specs, feeds, names)


def _level(v: Any) -> str:
    """A categorical value as H2O names its level (an integral float 3.0 is the level "3")."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _predict(h2o: Any, model: Any, sample: Sample, info: MojoInfo) -> list[list[str]]:
    """``model.predict`` on the sample's values (``for_model``: each column as the bundle records
    it), uploaded as a frame with the model's column types; its rows (no header) as H2O writes them.

    The frame is made from lists with None where a value is missing, not from pandas (whose NaN
    H2O's upload writes as the text ``nan``, a level of a categorical column), and the empty text
    that None becomes is declared missing (else a categorical column reads it as no level at all)."""
    columns: dict[str, Array] = sample.for_model
    values = {n: [None if _missing(x) else x for x in v.tolist()] for n, v in columns.items()}
    types = {n: "enum" if n in info.domains else "real" for n in columns}
    frame = h2o.H2OFrame(values, column_types=types, na_strings=[""])
    try:
        rows = model.predict(frame).as_data_frame(use_pandas=False)
    finally:
        h2o.remove(frame)
    return list(rows[1:])


# ---------------------------------------------------------------- ONNX, for GBMs on numbers


def _to_onnx(h: H2OModel, classes: Sequence[Any] | None, dtype: str) -> Converted:
    onnxmltools = require("onnxmltools", "converting an H2O GBM to ONNX", "h2o")
    from onnxmltools.convert.common.data_types import FloatTensorType

    info = h.info
    if info.info.get("algo") != "gbm":
        raise TypeError(f"onnxmltools converts H2O GBMs only, not {info.algorithm} models")
    categorical = [c for c in info.features if c in info.domains]
    if categorical:
        raise TypeError(f"onnxmltools converts H2O GBMs on numeric columns only; this one has {categorical}")
    if dtype != "float32":
        raise TypeError("ONNX tree ensembles compute in float32; export with dtype='float32' for an ONNX artifact")
    with tempfile.TemporaryDirectory(prefix="jinfer-h2o-onnx-") as tmp:
        path = Path(tmp) / "model.mojo"
        path.write_bytes(h.mojo)
        try:
            with captured(Path(tmp) / "print_mojo.log"):  # PrintMojo runs in a java process of its own
                onx = onnxmltools.convert_h2o(
                    str(path),
                    initial_types=[("features", FloatTensorType([None, len(info.features)]))],
                    target_opset=ONNX_OPSET,
                )
        except KeyError as e:
            if e.args != ("splitValue",):
                raise
            raise TypeError(
                "onnxmltools cannot convert this GBM: a tree splits on whether a value is missing "
                "(NA against the rest), a split its H2O converter does not know"
            ) from e
    if classes is not None:
        threshold = float(info.info["default_threshold"]) if info.category == "Binomial" else None
        proba = next(o.name for o in onx.graph.output if o.name != "label")  # the converter's label goes
        output_names = label_head(onx, proba, list(classes), threshold=threshold)
    else:
        output_names = {"prediction": onx.graph.output[0].name}
    opsets = {d.domain or "": int(d.version) for d in onx.opset_import}
    details = {
        "opset": opsets.get("", 0),
        "ml_opset": opsets.get("ai.onnx.ml", 0),
        "converter": f"onnxmltools {onnxmltools.__version__} (convert_h2o)",
        "input_names": {"features": "features"},
        "output_names": output_names,
    }
    return onx.SerializeToString(), details
