"""MLflow model directories: their ``MLmodel`` file read and checked, the flavor loaded, the sample conformed.

The ``MLmodel`` file (YAML) says which flavors the directory holds, its signature and its input
example. jinfer loads the first flavor it can convert (sklearn, xgboost, lightgbm, pytorch, onnx)
with MLflow's own loader and exports that model as ``jinfer.export`` would. The signature gives
the input specs (column names and order, dtypes: ``double`` → float64, ``float`` → float32,
``long`` → int64, ``string`` → string) and is recorded in the manifest's ``producer.source``; the
input example is the parity sample. A directory without a signature is exported with specs
inferred from the sample, with a warning. A ``python_function`` model with no convertible flavor
becomes a python artifact: the directory itself, loaded by ``mlflow.pyfunc`` in CPython.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._artifacts import PyfuncModel
from .._exceptions import MLflowModelError
from .._optional import missing_extra, require

__all__ = ["FLAVORS", "MLmodel", "conform", "load_example", "load_flavor", "read_mlmodel", "signature_dtype"]

# The flavors jinfer converts, best first, with the extra that brings each library.
FLAVORS = {"sklearn": "mlflow", "xgboost": "xgboost", "lightgbm": "lightgbm", "pytorch": "torch", "onnx": "mlflow"}
_COLUMN_DTYPES = {
    "double": "float64",
    "float": "float32",
    "long": "int64",
    "integer": "int32",
    "boolean": "bool",
    "string": "string",
}


@dataclass
class MLmodel:
    """What jinfer reads from a directory's ``MLmodel`` file."""

    directory: Path
    data: dict[str, Any]
    flavors: dict[str, Any]
    inputs: list[dict[str, Any]] | None  # the signature's input schema, parsed
    outputs: list[dict[str, Any]] | None

    @property
    def file(self) -> Path:
        return self.directory / "MLmodel"

    def source(self, flavor: str) -> dict[str, Any]:
        """The MLflow facts recorded in the manifest's ``producer.source.mlflow``."""
        out: dict[str, Any] = {"directory": str(self.directory), "flavor": flavor}
        for key in ("mlflow_version", "run_id", "model_uuid", "model_id", "utc_time_created"):
            if self.data.get(key) is not None:
                out[key] = str(self.data[key])
        if self.inputs is not None:
            out["signature"] = {"inputs": self.inputs, "outputs": self.outputs}
        return out


def read_mlmodel(directory: str | os.PathLike[str]) -> MLmodel:
    """Parse and check ``directory/MLmodel``; :class:`MLflowModelError` names the file and the fault."""
    d = Path(directory)
    f = d / "MLmodel"
    if not d.is_dir():
        raise MLflowModelError(
            f"{d}: no such directory; expected an MLflow model directory (with an MLmodel file)",
            code="BUNDLE_NOT_FOUND",
        )
    if not f.is_file():
        raise MLflowModelError(f"{f}: no MLmodel file; {d} is not an MLflow model directory", code="BUNDLE_NOT_FOUND")
    try:
        import yaml
    except ImportError as e:
        raise missing_extra("reading MLflow models", "mlflow", e) from e
    try:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise MLflowModelError(f"{f}: corrupt MLmodel, not valid YAML: {' '.join(str(e).split())}") from None
    if not isinstance(data, dict):
        raise MLflowModelError(
            f"{f}: corrupt MLmodel: expected a YAML mapping with 'flavors', got {type(data).__name__}"
        )
    flavors = data.get("flavors")
    if not isinstance(flavors, dict) or not flavors:
        raise MLflowModelError(f"{f}: corrupt MLmodel: no 'flavors' mapping")
    inputs = outputs = None
    signature = data.get("signature")
    if signature is not None:
        if not isinstance(signature, dict):
            raise MLflowModelError(f"{f}: corrupt MLmodel: 'signature' is not a mapping")
        try:
            inputs = json.loads(signature["inputs"]) if signature.get("inputs") else None
            outputs = json.loads(signature["outputs"]) if signature.get("outputs") else None
        except (TypeError, ValueError) as e:
            raise MLflowModelError(f"{f}: corrupt MLmodel: the signature is not JSON: {e}") from None
        if inputs is not None and not (isinstance(inputs, list) and all(isinstance(c, dict) for c in inputs)):
            raise MLflowModelError(f"{f}: corrupt MLmodel: signature inputs must be a list of column or tensor specs")
    return MLmodel(d, data, flavors, inputs, outputs)


def load_flavor(info: MLmodel) -> tuple[str, Any]:
    """The first flavor jinfer converts, loaded by MLflow; else the pyfunc as a python artifact."""
    for flavor, extra in FLAVORS.items():
        if flavor not in info.flavors:
            continue
        require("mlflow", f"loading the MLflow {flavor} model in {info.directory}", "mlflow")
        try:
            module = require(f"mlflow.{flavor}", f"loading the MLflow {flavor} model", extra)
            return flavor, module.load_model(str(info.directory))
        except ImportError as e:
            raise missing_extra(f"loading the MLflow {flavor} model in {info.directory}", extra, e) from e
        except Exception as e:
            raise MLflowModelError(f"{info.file}: cannot load its {flavor} flavor: {type(e).__name__}: {e}") from e
    if "python_function" in info.flavors:
        require("mlflow", f"loading the MLflow pyfunc model in {info.directory}", "mlflow")
        return "python_function", PyfuncModel(info.directory, _column_names(info))
    raise MLflowModelError(
        f"{info.file}: no flavor jinfer can export (it has {sorted(info.flavors)}; jinfer takes "
        f"{', '.join(FLAVORS)} or python_function)"
    )


def load_example(info: MLmodel) -> Any:
    if not info.data.get("saved_input_example_info"):
        raise MLflowModelError(
            f"{info.file}: the model has no input example to check parity on; pass X_sample=... (or --sample FILE)",
            code="MISSING_INPUT",
        )
    from mlflow.models import Model

    try:
        example = Model.load(str(info.directory)).load_input_example(str(info.directory))
    except Exception as e:
        raise MLflowModelError(f"{info.file}: cannot read its input example: {type(e).__name__}: {e}") from e
    if isinstance(example, (list, tuple)) and example and not isinstance(example[0], (dict, str)):
        example = np.asarray(example)
    return example


def signature_dtype(info: MLmodel) -> str | None:
    """float64 when a signature input is double, float32 when the floats are all float32."""
    kinds = []
    for c in info.inputs or []:
        kinds.append(c.get("tensor-spec", {}).get("dtype") if c.get("type") == "tensor" else c.get("type"))
    if any(k in ("double", "float64") for k in kinds):
        return "float64"
    if any(k in ("float", "float32") for k in kinds):
        return "float32"
    return None


def _column_names(info: MLmodel) -> list[str] | None:
    cols = [c.get("name") for c in info.inputs or [] if c.get("type") != "tensor"]
    return [str(c) for c in cols] if cols and all(cols) else None


def conform(info: MLmodel, sample: Any) -> Any:
    """The sample in the signature's form: its columns, in its order, of its types."""
    specs = info.inputs or []
    if all(c.get("type") == "tensor" for c in specs):
        if len(specs) != 1:
            if isinstance(sample, dict):
                return sample
            raise MLflowModelError(
                f"{info.file}: the signature has {len(specs)} tensor inputs; give X_sample as a "
                "dict of arrays by input name"
            )
        spec = specs[0].get("tensor-spec", {})
        arr = np.asarray(sample.to_numpy() if hasattr(sample, "to_numpy") else sample)
        shape = spec.get("shape") or []
        if len(shape) != arr.ndim or any(s not in (-1, a) for s, a in zip(shape[1:], arr.shape[1:])):
            raise MLflowModelError(
                f"{info.file}: the input example has shape {list(arr.shape)}, the signature says {shape}"
            )
        return arr
    import pandas as pd

    names = _column_names(info)
    if names is None:
        raise MLflowModelError(f"{info.file}: the signature's columns have no names")
    if isinstance(sample, dict):
        sample = pd.DataFrame({k: np.asarray(v) for k, v in sample.items()})
    if not hasattr(sample, "columns"):
        arr = np.asarray(sample)
        if arr.ndim != 2 or arr.shape[1] != len(names):
            raise MLflowModelError(
                f"{info.file}: the sample has shape {list(arr.shape)}, the signature has {len(names)} columns {names}"
            )
        sample = pd.DataFrame(arr, columns=names)
    missing = [n for n in names if n not in sample.columns]
    if missing:
        raise MLflowModelError(
            f"{info.file}: the sample lacks the signature's column(s) {missing}", code="MISSING_INPUT"
        )
    out = {}
    for c in specs:
        kind = _COLUMN_DTYPES.get(str(c.get("type")))
        col = sample[c["name"]]
        out[c["name"]] = col.astype(str) if kind == "string" else (col.to_numpy(dtype=kind) if kind else col)
    return pd.DataFrame(out)
