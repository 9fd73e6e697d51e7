"""ONNX's own backend test models, through jinfer's Java path.

The ``onnx`` wheel ships model tests under ``onnx/backend/test/data/``: ``simple/``,
``pytorch-converted/`` and ``pytorch-operator/`` (a model and its test data sets each), and
``light/`` (small versions of real networks, fed the runner's dummy inputs). Each case that
onnxruntime's Python package passes at the suite's own tolerances (onnx's own comparison,
``Runner.assert_similar_outputs``) is exported with ``task="transform"``, loaded through Java and
run on every data set of the case, and must pass the same comparison. A case whose inputs or
outputs are not tensors (sequences, optionals) is outside what a bundle holds: export must refuse
it with an ``UnsupportedModelError`` saying so.

With ``JINFER_SUPPORT_DIR`` set (scripts/support_matrix.py), the counts go into docs/models.md.
"""

from __future__ import annotations

import glob
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from onnx.backend.test.case.model import collect_testcases
from onnx.backend.test.loader import DATA_DIR, load_model_tests
from onnx.backend.test.runner import Runner

import jinfer

KINDS = ("simple", "pytorch-converted", "pytorch-operator")


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    model_path: str
    data_dirs: tuple[str, ...]  # test_data_set_* folders (empty for light models)
    rtol: float
    atol: float


def _cases() -> dict[str, Case]:
    out: dict[str, Case] = {}
    for kind in KINDS:
        for tc in load_model_tests(kind=kind):
            assert tc.model_dir is not None
            sets = tuple(sorted(glob.glob(os.path.join(tc.model_dir, "test_data_set*"))))
            out[f"{kind}/{tc.name}"] = Case(
                kind, tc.name, os.path.join(tc.model_dir, "model.onnx"), sets, tc.rtol, tc.atol
            )
    for tc in collect_testcases():
        if tc.url and tc.url.startswith("onnx/backend/test/data/light/"):
            path = os.path.join(DATA_DIR, "light", os.path.basename(tc.url))
            out[f"light/{tc.name}"] = Case("light", tc.name, path, (), tc.rtol, tc.atol)
    return out


CASES = _cases()
RESULTS: dict[str, str] = {}  # case -> "passed" / "onnxruntime fails" / "not tensors"
REASONS: dict[str, str] = {}  # case -> onnxruntime's error, where it fails


def _is_tensor(type_proto: Any) -> bool:
    return type_proto.WhichOneof("value") == "tensor_type"


def _load(path: str, type_proto: Any) -> Any:
    data = Path(path).read_bytes()
    which = type_proto.WhichOneof("value")
    if which == "sequence_type":
        seq = onnx.SequenceProto()
        seq.ParseFromString(data)
        return numpy_helper.to_list(seq)
    if which == "optional_type":
        opt = onnx.OptionalProto()
        opt.ParseFromString(data)
        return numpy_helper.to_optional(opt)
    tensor = onnx.TensorProto()
    tensor.ParseFromString(data)
    return numpy_helper.to_array(tensor)


def data_sets(case: Case, model: onnx.ModelProto) -> list[tuple[list[Any], list[Any]]]:
    """(inputs, expected outputs) per data set, as onnx's runner reads them."""
    inits = {i.name for i in model.graph.initializer}
    fed = [i for i in model.graph.input if i.name not in inits]
    if case.kind == "light":  # the runner's dummy inputs, and the outputs stored beside the model
        inputs = [Runner.generate_dummy_data(x, seed=0, name=case.name, random=False) for x in fed]
        prefix = os.path.splitext(case.model_path)[0]
        outputs = [_load(f"{prefix}_output_{i}.pb", o.type) for i, o in enumerate(model.graph.output)]
        return [(inputs, outputs)]
    sets = []
    for d in case.data_dirs:
        n_in = len(glob.glob(os.path.join(d, "input_*.pb")))
        n_out = len(glob.glob(os.path.join(d, "output_*.pb")))
        inputs = [_load(os.path.join(d, f"input_{i}.pb"), model.graph.input[i].type) for i in range(n_in)]
        outputs = [_load(os.path.join(d, f"output_{i}.pb"), model.graph.output[i].type) for i in range(n_out)]
        sets.append((inputs, outputs))
    return sets


def onnxruntime_fails(model: onnx.ModelProto, sets: list[tuple[list[Any], list[Any]]], case: Case) -> str | None:
    """Why onnxruntime's Python package (an InferenceSession, as its ONNX backend makes) fails the
    case, or None when it passes."""
    import onnxruntime as ort

    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    try:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        for inputs, expected in sets:
            got = session.run(None, dict(zip(names, inputs)))
            Runner.assert_similar_outputs(expected, got, rtol=case.rtol, atol=case.atol)
    except Exception as e:  # noqa: BLE001 - any failure means onnxruntime does not pass this case
        return " ".join(str(e).split())[:300]
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_passes_through_java_where_onnxruntime_passes(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    model = onnx.load(case.model_path)
    sets = data_sets(case, model)
    why = onnxruntime_fails(model, sets, case)
    if why is not None:
        RESULTS[name] = "onnxruntime fails"
        REASONS[name] = why
        pytest.skip(f"onnxruntime's Python package does not pass this case: {why[:120]}")
    inits = {i.name for i in model.graph.initializer}
    fed = [i for i in model.graph.input if i.name not in inits]
    if not all(_is_tensor(v.type) for v in (*fed, *model.graph.output)):
        with pytest.raises(jinfer.UnsupportedModelError, match="not a tensor"):
            jinfer.export(model, dict(zip([i.name for i in fed], sets[0][0])), tmp_path / "c.jinfer", task="transform")
        RESULTS[name] = "not tensors"
        return
    sample = {i.name: v for i, v in zip(fed, sets[0][0])}
    with warnings.catch_warnings():
        warnings.simplefilter("error", jinfer.ExportWarning)  # the one artifact must pass parity
        bundle = jinfer.export(model, sample, tmp_path / "c.jinfer", task="transform", rtol=case.rtol, atol=case.atol)
    artifact = bundle.manifest.artifacts[0]
    in_names = {native: canonical for canonical, native in artifact.details["input_names"].items()}
    outputs = [o.name for o in bundle.manifest.outputs]
    with jinfer.load(bundle.path, backend="onnx") as jm:
        for inputs, expected in sets:
            out = jm.predict({in_names[i.name]: v for i, v in zip(fed, inputs)})
            got = [np.asarray(out[o]) for o in outputs]
            Runner.assert_similar_outputs(expected, got, rtol=case.rtol, atol=case.atol)
    RESULTS[name] = "passed"


def test_zz_record_the_counts() -> None:
    """The tally, for docs/models.md (runs after the cases: pytest keeps a file's order)."""
    if len(RESULTS) < len(CASES):
        pytest.skip("not every case ran (a -k selection)")
    by = {s: sorted(n for n, r in RESULTS.items() if r == s) for s in ("passed", "onnxruntime fails", "not tensors")}
    assert len(by["passed"]) >= 100, by
    where = os.environ.get("JINFER_SUPPORT_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        summary = {
            "cases": len(CASES),
            "by_kind": {k: sum(1 for c in CASES.values() if c.kind == k) for k in (*KINDS, "light")},
            "onnxruntime_passes": len(CASES) - len(by["onnxruntime fails"]),
            "passed_through_java": len(by["passed"]),
            "not_tensors": by["not tensors"],
            "onnxruntime_fails": {n: REASONS[n] for n in by["onnxruntime fails"]},
            "onnx": onnx.__version__,
        }
        (Path(where) / "_onnx_backend_suite.json").write_text(json.dumps(summary, indent=1))
