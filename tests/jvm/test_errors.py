"""Bad input and bad bundles through the Java path: typed errors that say what and why, and a JVM
that keeps working afterwards."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import jinfer
from jinfer import BundleError, InputError
from models import MODELS, fitted

X = MODELS["logreg"][1].astype(np.float32)


@pytest.fixture(scope="module")
def model(bundles: dict[str, Path]):
    with jinfer.load(bundles["logreg-float32"]) as m:
        yield m


def still_works(m) -> None:
    np.testing.assert_array_equal(m.predict(X[:5])["label"], fitted("logreg").predict(X[:5]))


@pytest.mark.parametrize(
    "feeds, code, words",
    [
        ({}, "MISSING_INPUT", ["features", "float32", "[-1, 4]"]),
        ({"features": X, "extra": X}, "UNKNOWN_INPUT", ["extra", "features"]),
        ({"features": X.astype(np.float64)}, "DTYPE_MISMATCH", ["features", "float32", "float64"]),
        ({"features": X[0]}, "RANK_MISMATCH", ["features", "rank 2", "rank 1"]),
        ({"features": X[:, :3]}, "SHAPE_MISMATCH", ["features", "dimension 1", "expected 4", "got 3"]),
        ({"features": np.array([["a", "b", "c", "d"]])}, "DTYPE_MISMATCH", ["features", "string"]),
    ],
    ids=["missing", "unknown", "unsafe-dtype", "rank", "fixed-dim", "strings"],
)
def test_bad_inputs_are_typed_and_explained(model, feeds, code, words) -> None:
    with pytest.raises(InputError) as info:
        model.predict(feeds)
    e = info.value
    assert e.code == code
    assert e.java_class == "io.jinfer.InputException"
    for w in words:
        assert w in str(e), f"{w!r} not in {e}"
    assert isinstance(e, ValueError)
    still_works(model)


def test_safe_casts_are_made(model) -> None:
    out = model.predict(X.astype(np.int16))  # int16 -> float32 is exact
    np.testing.assert_array_equal(out["label"], fitted("logreg").predict(X.astype(np.int16)))


def test_empty_batch_gives_empty_outputs(model) -> None:
    out = model.predict(np.zeros((0, 4), dtype=np.float32))
    assert out["label"].shape == (0,) and out["label"].dtype == np.int64
    assert out["probabilities"].shape == (0, 3) and out["probabilities"].dtype == np.float32
    still_works(model)


def test_predict_after_close_is_refused(bundles: dict[str, Path]) -> None:
    m = jinfer.load(bundles["logreg-float32"])
    m.close()
    m.close()  # idempotent
    with pytest.raises(jinfer.JinferError, match="closed"):
        m.predict(X)


# ---------------------------------------------------------------- bad bundles


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
    path.write_bytes(buf.getvalue())
    return path


def _manifest_edit(entries: dict[str, bytes], edit) -> dict[str, bytes]:
    m = json.loads(entries["manifest.json"])
    edit(m)
    return {**entries, "manifest.json": json.dumps(m).encode()}


def _bad_bundles(src: Path, tmp: Path) -> dict[str, tuple[Path, str, str]]:
    good = _entries(src)
    onnx = good["model.onnx"]
    truncated = tmp / "truncated.jinfer"
    truncated.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return {
        "truncated": (truncated, "BUNDLE_CORRUPT", "truncated"),
        "checksum": (
            _zip(tmp / "tampered.jinfer", {**good, "model.onnx": onnx[:-1] + bytes([onnx[-1] ^ 1])}),
            "CHECKSUM_MISMATCH",
            "sha256",
        ),
        "version2": (
            _zip(tmp / "v2.jinfer", _manifest_edit(good, lambda m: m.update(format_version=2))),
            "UNSUPPORTED_VERSION",
            "format_version 2",
        ),
        "dotdot": (_zip(tmp / "dotdot.jinfer", {**good, "../evil.txt": b"x"}), "UNSAFE_PATH", ".."),
        "absolute": (_zip(tmp / "abs.jinfer", {**good, "/etc/evil.txt": b"x"}), "UNSAFE_PATH", "absolute"),
        "missing-artifact": (
            _zip(tmp / "missing.jinfer", {k: v for k, v in good.items() if k != "model.onnx"}),
            "ARTIFACT_MISSING",
            "model.onnx",
        ),
        "not-json": (_zip(tmp / "notjson.jinfer", {**good, "manifest.json": b"{not json"}), "INVALID_MANIFEST", "JSON"),
    }


@pytest.mark.parametrize(
    "case", ["truncated", "checksum", "version2", "dotdot", "absolute", "missing-artifact", "not-json"]
)
def test_bad_bundles_are_refused_by_java_and_python_alike(case: str, bundles: dict[str, Path], tmp_path: Path) -> None:
    path, code, words = _bad_bundles(bundles["logreg-float32"], tmp_path)[case]
    with pytest.raises(BundleError) as java_side:
        jinfer.load(path)
    assert java_side.value.code == code
    assert java_side.value.java_class == "io.jinfer.BundleException"
    assert words in str(java_side.value), str(java_side.value)
    # the pure-Python reader agrees on the code (checksums are checked when the artifact is read)
    with pytest.raises(BundleError) as py_side:
        b = jinfer.Bundle.open(path)
        b.verify()
    assert py_side.value.code == code
    # and the JVM keeps working
    with jinfer.load(bundles["logreg-float32"]) as m:
        still_works(m)


def test_forcing_an_absent_backend_names_what_the_bundle_has(bundles: dict[str, Path]) -> None:
    with pytest.raises(jinfer.BackendError, match=r"no 'python' artifact.*onnx.*pmml") as info:
        jinfer.load(bundles["logreg-float32"], backend="python")
    assert info.value.code == "NO_USABLE_BACKEND"


def test_load_passes_limits_to_the_java_reader(bundles: dict[str, Path]) -> None:
    path = bundles["logreg-float32"]
    with pytest.raises(jinfer.BundleError) as info:
        jinfer.load(path, limits=jinfer.Limits(max_entries=1))
    assert info.value.code == "BUNDLE_TOO_LARGE" and "entries" in info.value.message
    with pytest.raises(jinfer.BundleError) as info:
        jinfer.load(path, limits=jinfer.Limits(max_manifest_bytes=100))
    assert info.value.code == "BUNDLE_TOO_LARGE" and "manifest.json" in info.value.message
    with jinfer.load(path, limits=jinfer.Limits(max_entries=10)) as m:
        assert m.backend == "onnx"
