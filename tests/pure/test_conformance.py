"""The shared conformance vectors in tests/conformance/, as the Python side reads them (no JVM)."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jinfer._bundle import Bundle
from jinfer._dtypes import dtype_by_name, dtype_of
from jinfer._exceptions import BundleError
from jinfer._limits import Limits
from jinfer._manifest import Manifest
from jinfer._npy import read_npy

ROOT = Path(__file__).resolve().parent.parent / "conformance"
MANIFESTS = ROOT / "manifests"
NPY = ROOT / "npy"
MANIFEST_CASES = json.loads((MANIFESTS / "cases.json").read_text(encoding="utf-8"))
NPY_CASES = json.loads((NPY / "cases.json").read_text(encoding="utf-8"))


def test_every_manifest_vector_is_listed_once() -> None:
    assert sorted(p.name for p in (MANIFESTS / "valid").iterdir()) == sorted(MANIFEST_CASES["valid"])
    assert sorted(p.name for p in (MANIFESTS / "invalid").iterdir()) == sorted(MANIFEST_CASES["invalid"])
    assert len(MANIFEST_CASES["valid"]) >= 4 and len(MANIFEST_CASES["invalid"]) >= 13


def assert_known_fields_kept(written: Any, source: Any, where: str = "") -> None:
    """Every field jinfer writes back has the source's value, where the source had one."""
    if isinstance(written, dict):
        for key, value in written.items():
            if key in source:
                assert_known_fields_kept(value, source[key], f"{where}.{key}")
    elif isinstance(written, list):
        assert len(written) == len(source), where
        for i, (w, s) in enumerate(zip(written, source)):
            assert_known_fields_kept(w, s, f"{where}[{i}]")
    elif source is not None:  # a null field counts as absent: jinfer writes its default
        assert written == source and type(written) is type(source), where


@pytest.mark.parametrize("name", MANIFEST_CASES["valid"])
def test_valid_manifest(name: str) -> None:
    data = (MANIFESTS / "valid" / name).read_bytes()
    m = Manifest.from_json(data)
    assert Manifest.from_json(m.to_json()) == m
    assert_known_fields_kept(m.to_dict(), json.loads(data))
    assert m.inputs and m.outputs and m.artifacts


def test_valid_manifest_details() -> None:
    mixed = Manifest.from_json((MANIFESTS / "valid" / "mixed_inputs_string_column.json").read_bytes())
    assert [(s.name, s.dtype, s.columns) for s in mixed.inputs] == [
        ("age", "float64", ("age",)),
        ("city", "string", ("city",)),
        ("children", "int64", ("children",)),
    ]
    assert mixed.classes == ("stays", "leaves") and mixed.output("label").dtype == "string"
    regressor = Manifest.from_json((MANIFESTS / "valid" / "regressor_multi_target.json").read_bytes())
    assert regressor.output("prediction").shape == (-1, 2) and regressor.classes is None
    assert [a.backend for a in regressor.artifacts] == ["onnx", "pmml"]
    unknown = Manifest.from_json((MANIFESTS / "valid" / "unknown_fields.json").read_bytes())
    assert "future_field" not in unknown.to_dict() and unknown.artifacts[1].backend == "tensorflow"
    assert unknown.artifacts[0].parity is not None and unknown.artifacts[0].parity["passed"] is True


@pytest.mark.parametrize("name", sorted(MANIFEST_CASES["invalid"]))
def test_invalid_manifest(name: str) -> None:
    case = MANIFEST_CASES["invalid"][name]
    with pytest.raises(BundleError) as info:
        Manifest.from_json((MANIFESTS / "invalid" / name).read_bytes())
    assert info.value.code == case["code"]
    for part in case["message_contains"]:
        assert part in info.value.message


@pytest.mark.parametrize("name", sorted(MANIFEST_CASES["invalid"]))
def test_invalid_manifest_inside_a_bundle(name: str, tmp_path: Path) -> None:
    path = tmp_path / "b.jinfer"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", (MANIFESTS / "invalid" / name).read_bytes())
    with pytest.raises(BundleError) as info:
        Bundle.open(path)
    assert info.value.code == MANIFEST_CASES["invalid"][name]["code"] and str(path) in info.value.message


def test_every_npy_vector_is_listed_once() -> None:
    listed = [c["file"] for c in NPY_CASES["valid"] + NPY_CASES["invalid"] + NPY_CASES["npz"]]
    assert sorted(listed) == sorted(p.name for p in NPY.iterdir() if p.name != "cases.json")
    table = json.loads((ROOT / "dtypes.json").read_text())
    assert {c["dtype"] for c in NPY_CASES["valid"]} == {d["name"] for d in table}


def header(path: Path) -> tuple[tuple[int, int], dict[str, Any]]:
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
    return version, {"shape": list(shape), "fortran_order": fortran, "descr": dtype.str}


@pytest.mark.parametrize("case", NPY_CASES["valid"], ids=lambda c: c["file"])
def test_npy_vector(case: dict[str, Any]) -> None:
    path = NPY / case["file"]
    version, head = header(path)
    descr = case["descr"].replace("<V", "|V")  # numpy parses bfloat16's <V2 as raw bytes, |V2
    assert head == {"shape": case["shape"], "fortran_order": case["fortran_order"], "descr": descr}
    assert version == ((2, 0) if "header_v2" in case["file"] else (1, 0))
    array = np.load(path, allow_pickle=False)
    assert array.dtype.str == descr and list(array.shape) == case["shape"]
    assert dtype_of(array).name == case["dtype"]
    if case["dtype"] == "bfloat16":  # numpy reads <V2 as raw bytes; the numbers need ml_dtypes
        array = array.view(dtype_by_name("bfloat16").numpy)
    values = array.ravel(order="C").tolist()
    assert values == case["values"]
    assert [type(v) for v in values] == [type(v) for v in case["values"]]


def test_npy_vectors_cover_the_required_layouts() -> None:
    by_file = {c["file"]: c for c in NPY_CASES["valid"]}
    assert by_file["float64_big_endian.npy"]["descr"] == ">f8"
    fortran = by_file["fortran_2d.npy"]
    assert fortran["fortran_order"] is True and fortran["values"] == [1, 2, 3, 4, 5, 6]
    assert by_file["scalar_0d.npy"]["shape"] == [] and by_file["empty_0x3.npy"]["shape"] == [0, 3]
    assert len(by_file["tensor_3d.npy"]["shape"]) == 3
    assert any(ord(ch) > 0xFFFF for s in by_file["string.npy"]["values"] for ch in s)


@pytest.mark.parametrize("case", NPY_CASES["invalid"], ids=lambda c: c["file"])
def test_invalid_npy_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(BundleError) as info:
        read_npy((NPY / case["file"]).read_bytes(), case["file"])
    assert info.value.code == "INVALID_NPY"
    assert case["error_contains"].lower() in info.value.message.lower()


@pytest.mark.parametrize("case", NPY_CASES["valid"], ids=lambda c: c["file"])
def test_jinfer_reads_npy_as_numpy_does(case: dict[str, Any]) -> None:
    path = NPY / case["file"]
    ours, numpys = read_npy(path.read_bytes(), case["file"]), np.load(path, allow_pickle=False)
    assert ours.dtype == numpys.dtype and ours.shape == numpys.shape and ours.tolist() == numpys.tolist()


@pytest.mark.parametrize("case", NPY_CASES["npz"], ids=lambda c: c["file"])
def test_npz_vector(case: dict[str, Any]) -> None:
    path = NPY / case["file"]
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(f"{k}.npy" for k in case["arrays"])
        kinds = {i.compress_type for i in zf.infolist()}
    assert kinds == {zipfile.ZIP_DEFLATED if "deflated" in case["file"] else zipfile.ZIP_STORED}
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(case["arrays"])
        for name, spec in case["arrays"].items():
            assert z[name].dtype.str == spec["descr"] and list(z[name].shape) == spec["shape"]
            assert dtype_of(z[name]).name == spec["dtype"] and z[name].ravel().tolist() == spec["values"]


def test_make_vectors_regenerates_the_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_vectors", ROOT / "make_vectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["make_vectors.py", str(tmp_path)])
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    sources = ("README.md", "make_vectors.py")
    # bundles/ holds a real exported bundle, made by its own script (it needs the JVM)
    committed = sorted(
        p.relative_to(ROOT)
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.name not in sources
        and "__pycache__" not in p.parts
        and p.relative_to(ROOT).parts[0] != "bundles"
    )
    assert generated == committed
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (ROOT / rel).read_bytes(), rel


# ---------------------------------------------------------------------------------------------
# zips/: hostile bundles (issue 10). Java reads the same files (ZipConformanceTest) and must agree.

ZIPS = ROOT / "zips"
ZIP_CASES = json.loads((ZIPS / "cases.json").read_text(encoding="utf-8"))
STAGES = ("open", "artifact", "parity")


def test_every_zip_vector_is_listed_once() -> None:
    assert sorted(p.name for p in ZIPS.iterdir() if p.name != "cases.json") == sorted(ZIP_CASES)
    assert {c["stage"] for c in ZIP_CASES.values()} == set(STAGES)


def read_to(path: Path, stage: str, limits: Limits) -> None:
    """Open the bundle, then (as far as ``stage``) read every artifact checked, then the parity sample."""
    with Bundle.open(path, limits=limits) as b:
        if STAGES.index(stage) >= 1:
            b.verify()
        if STAGES.index(stage) >= 2:
            b.parity_inputs()
            b.parity_expected()


@pytest.mark.parametrize("name", sorted(ZIP_CASES))
def test_zip_vector(name: str) -> None:
    case = ZIP_CASES[name]
    limits = Limits(**case.get("limits", {}))
    stage = STAGES.index(case["stage"])
    for earlier in STAGES[:stage]:  # every stage before the one at fault passes
        read_to(ZIPS / name, earlier, limits)
    if case["code"] is None:
        read_to(ZIPS / name, case["stage"], limits)
        return
    with pytest.raises(BundleError) as info:
        read_to(ZIPS / name, case["stage"], limits)
    assert info.value.code == case["code"], info.value.message
    for part in case["message_contains"]:
        assert part in info.value.message
    assert case.get("error_contains", "").lower() in info.value.message.lower()
