"""scikit-learn → PMML with sklearn2pmml (it runs Java: the same JVM that jinfer finds)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._bundle import scratch_dir
from .._manifest import TensorSpec
from .capture import captured

__all__ = ["convert_pmml", "java_home"]


def java_home() -> str | None:
    """The JDK that JPype would start: ``JAVA_HOME``, else the one behind ``jpype.getDefaultJVMPath()``."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    try:
        import jpype

        libjvm = Path(jpype.getDefaultJVMPath()).resolve()
    except Exception:  # noqa: BLE001 - no JVM found: let sklearn2pmml use `java` on PATH
        return None
    for parent in libjvm.parents:
        if (parent / "bin" / "java").is_file():
            return str(parent)
    return None


def _last_error(text: str) -> str:
    """The converter's own error line (``SEVERE: ...`` / ``Exception ...``), if it printed one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if "Exception" in ln or ln.startswith("SEVERE"):
            return ln
    return lines[-1] if lines else ""


def convert_pmml(
    model: Any, columns: list[str], task: str, outputs: Sequence[TensorSpec] = ()
) -> tuple[bytes, dict[str, Any]]:
    """The PMML bytes of a fitted scikit-learn model whose input fields are ``columns``, and the
    artifact details. A classifier's PMML gives labels and probabilities, never the decision
    function, so a bundle whose outputs include ``scores`` has no PMML artifact."""
    try:
        import sklearn2pmml
        from sklearn2pmml import make_pmml_pipeline
        from sklearn2pmml import sklearn2pmml as to_pmml
    except ImportError as e:
        raise ImportError("the PMML format needs sklearn2pmml: pip install 'jinfer[pmml]'") from e
    if task not in ("classification", "regression"):
        raise ValueError(f"PMML export covers classifiers and regressors, not {task}")
    if any(o.name == "scores" for o in outputs):
        raise TypeError(
            f"sklearn2pmml's PMML of {type(model).__name__} gives its labels but not its decision_function "
            "(the bundle's scores)"
        )
    pipeline = make_pmml_pipeline(model, active_fields=list(columns), target_fields=["target"])
    with tempfile.TemporaryDirectory(prefix="jinfer-pmml-", dir=scratch_dir()) as tmp:  # the export's own
        out = Path(tmp) / "model.pmml"
        log = Path(tmp) / "sklearn2pmml.log"
        try:
            with captured(log):
                to_pmml(pipeline, str(out), java_home=java_home())
        except Exception as e:
            detail = _last_error(log.read_text(errors="replace")) if log.exists() else ""
            raise RuntimeError(f"sklearn2pmml failed: {detail or e}") from e
        data = out.read_bytes()
    version = re.search(rb'<PMML[^>]*version="([0-9.]+)"', data)
    details = {
        "pmml_version": version.group(1).decode() if version else None,
        "converter": f"sklearn2pmml {sklearn2pmml.__version__}",
        "target_fields": ["target"],
        "input_fields": list(columns),
    }
    return data, details
