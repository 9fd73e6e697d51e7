"""Reading and writing bundles, zip and directory (no JVM)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jinfer._bundle as bundle_module
from jinfer._bundle import Bundle, npz_bytes, sha256_bytes, write_bundle
from jinfer._exceptions import BundleError
from jinfer._manifest import Artifact, Manifest, TensorSpec

MODEL = b"pretend this is an onnx model " * 20
INPUTS = {"features": np.arange(8, dtype=np.float32).reshape(2, 4)}
EXPECTED = {"label": np.array([0, 2], dtype=np.int64), "probabilities": np.full((2, 3), 0.25, np.float32)}


def make_manifest(*artifacts: Artifact, **changes: Any) -> Manifest:
    return Manifest(
        name="iris",
        version="1.0.0",
        task="classification",
        inputs=(TensorSpec("features", "float32", (-1, 4)),),
        outputs=(TensorSpec("label", "int64", (-1,)), TensorSpec("probabilities", "float32", (-1, 3))),
        artifacts=artifacts or (Artifact.of("onnx", "model.onnx", MODEL),),
        classes=(0, 1, 2),
        created_at="2026-11-22T03:00:00Z",
        **changes,
    )


def files() -> dict[str, bytes]:
    return {"model.onnx": MODEL, "parity/inputs.npz": npz_bytes(INPUTS), "parity/expected.npz": npz_bytes(EXPECTED)}


@pytest.fixture(params=["zip", "directory"])
def written(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "iris.jinfer", make_manifest(), files(), as_directory=request.param == "directory")


def raw_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def code_of(path: Path, **kwargs: Any) -> BundleError:
    with pytest.raises(BundleError) as info:
        Bundle.open(path, **kwargs)
    return info.value


def test_round_trip(written: Path) -> None:
    with Bundle.open(written) as b:
        assert b.path == written and b.is_zip == written.is_file()
        assert b.manifest == make_manifest()
        assert b.names() == ["manifest.json", "model.onnx", "parity/expected.npz", "parity/inputs.npz"]
        assert b.read_artifact(b.manifest.artifacts[0]) == MODEL
        b.verify()
        got_in, got_out = b.parity_inputs(), b.parity_expected()
    np.testing.assert_array_equal(got_in["features"], INPUTS["features"])
    assert got_in["features"].dtype == np.float32 and set(got_out) == {"label", "probabilities"}
    np.testing.assert_array_equal(got_out["probabilities"], EXPECTED["probabilities"])


def test_zip_has_manifest_first_and_is_reproducible(tmp_path: Path) -> None:
    a = write_bundle(tmp_path / "a.jinfer", make_manifest(), files())
    b = write_bundle(tmp_path / "b.jinfer", make_manifest(), files())
    assert zipfile.ZipFile(a).namelist()[0] == "manifest.json"
    assert a.read_bytes() == b.read_bytes()
    assert zipfile.ZipFile(a).getinfo("model.onnx").date_time == (2026, 11, 22, 3, 0, 0)


def test_missing_parity_files_give_empty_dicts(tmp_path: Path) -> None:
    out = write_bundle(tmp_path / "b.jinfer", make_manifest(), {"model.onnx": MODEL})
    with Bundle.open(out) as b:
        assert b.parity_inputs() == {} and b.parity_expected() == {}


def test_not_found(tmp_path: Path) -> None:
    e = code_of(tmp_path / "nope.jinfer")
    assert e.code == "BUNDLE_NOT_FOUND" and "nope.jinfer" in e.message


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "x.jinfer").write_text("hello")
    assert code_of(tmp_path / "x.jinfer").code == "BUNDLE_CORRUPT"


@pytest.mark.parametrize("cut", [1, 30, 200])
def test_truncated_zip(tmp_path: Path, cut: int) -> None:
    data = write_bundle(tmp_path / "ok.jinfer", make_manifest(), files()).read_bytes()
    (tmp_path / "cut.jinfer").write_bytes(data[:-cut])
    assert code_of(tmp_path / "cut.jinfer").code == "BUNDLE_CORRUPT"


def test_crc_error_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "b.jinfer"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", make_manifest().to_json())
        zf.writestr("model.onnx", MODEL)
    data = bytearray(path.read_bytes())
    at = bytes(data).index(MODEL)
    data[at] ^= 0xFF  # same size, the stored CRC no longer matches
    path.write_bytes(bytes(data))
    with Bundle.open(path) as b, pytest.raises(BundleError, match="model.onnx") as info:
        b.read_artifact(b.manifest.artifacts[0])
    assert info.value.code == "BUNDLE_CORRUPT"


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:\\evil.txt"])
def test_unsafe_zip_entry_is_refused_before_reading(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = raw_zip(tmp_path / "b.jinfer", {"manifest.json": make_manifest().to_json(), "model.onnx": MODEL, name: b"x"})
    opened: list[str] = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda self, n, *a, **k: opened.append(str(n)) or real_open(self, n, *a, **k)
    )
    e = code_of(path)
    assert e.code == "UNSAFE_PATH" and name in e.message
    assert opened == []


def test_duplicate_zip_entries_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate"):
        path = raw_zip(tmp_path / "b.jinfer", {"manifest.json": make_manifest().to_json(), "model.onnx": MODEL})
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("manifest.json", b"{}")
    assert code_of(path).code == "BUNDLE_CORRUPT"


def test_format_version_2(written: Path, tmp_path: Path) -> None:
    newer = make_manifest(format_version=2)
    path = raw_zip(tmp_path / "v2.jinfer", {"manifest.json": newer.to_json(), "model.onnx": MODEL})
    e = code_of(path)
    assert e.code == "UNSUPPORTED_VERSION" and "format_version 2" in e.message and "supports 1" in e.message


def test_manifest_not_json(tmp_path: Path) -> None:
    path = raw_zip(tmp_path / "b.jinfer", {"manifest.json": b"{not json", "model.onnx": MODEL})
    e = code_of(path)
    assert e.code == "INVALID_MANIFEST" and "not valid JSON" in e.message and str(path) in e.message


def test_no_manifest(tmp_path: Path) -> None:
    e = code_of(raw_zip(tmp_path / "b.jinfer", {"model.onnx": MODEL}))
    assert e.code == "INVALID_MANIFEST" and "no manifest.json" in e.message


def test_missing_artifact(tmp_path: Path) -> None:
    e = code_of(raw_zip(tmp_path / "b.jinfer", {"manifest.json": make_manifest().to_json()}))
    assert e.code == "ARTIFACT_MISSING" and "model.onnx" in e.message


def test_artifact_edited_in_place_fails_its_checksum(written: Path) -> None:
    tampered = MODEL.replace(b"onnx", b"ONNX")
    if written.is_dir():
        (written / "model.onnx").write_bytes(tampered)
    else:
        entries = {n: zipfile.ZipFile(written).read(n) for n in zipfile.ZipFile(written).namelist()}
        raw_zip(written, {**entries, "model.onnx": tampered})
    with Bundle.open(written) as b:  # same size: only the sha256 tells
        with pytest.raises(BundleError, match="sha256") as info:
            b.verify()
        assert info.value.code == "CHECKSUM_MISMATCH"
        with pytest.raises(BundleError, match="CHECKSUM|modified"):
            b.read_artifact(b.manifest.artifacts[0])


def test_artifact_of_another_size_is_caught_on_open(written: Path) -> None:
    if written.is_dir():
        (written / "model.onnx").write_bytes(MODEL + b"!")
    else:
        entries = {n: zipfile.ZipFile(written).read(n) for n in zipfile.ZipFile(written).namelist()}
        raw_zip(written, {**entries, "model.onnx": MODEL + b"!"})
    e = code_of(written)
    assert e.code == "CHECKSUM_MISMATCH" and f"{len(MODEL) + 1} bytes" in e.message


def test_size_bound(written: Path) -> None:
    e = code_of(written, max_bytes=100)
    assert e.code == "BUNDLE_TOO_LARGE" and "100" in e.message
    Bundle.open(written, max_bytes=10**6).close()


def test_directory_file_that_grows_after_open_is_bounded(tmp_path: Path) -> None:
    out = write_bundle(tmp_path / "d", make_manifest(), files(), as_directory=True)
    with Bundle.open(out) as b:
        (out / "parity/inputs.npz").write_bytes(b"x" * 10_000)
        with pytest.raises(BundleError, match="more than") as info:
            b.read("parity/inputs.npz")
    assert info.value.code == "BUNDLE_CORRUPT"  # as Java says of a file that is not what it declared


def test_directory_symlink_out_of_the_bundle_is_refused(tmp_path: Path) -> None:
    out = write_bundle(tmp_path / "d", make_manifest(), files(), as_directory=True)
    (tmp_path / "secret").write_text("s")
    os.symlink(tmp_path / "secret", out / "link")
    assert code_of(out).code == "UNSAFE_PATH"


def test_parity_npz_with_object_arrays_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    np.savez(buf, x=np.array([{"a": 1}], dtype=object))
    bad = {"model.onnx": MODEL, "parity/inputs.npz": buf.getvalue()}
    out = write_bundle(tmp_path / "b.jinfer", make_manifest(), bad)
    with Bundle.open(out) as b, pytest.raises(BundleError, match="parity/inputs.npz") as info:
        b.parity_inputs()
    assert info.value.code == "INVALID_NPY" and "object" in info.value.message


def test_read_unknown_name_and_use_after_close(written: Path) -> None:
    b = Bundle.open(written)
    with pytest.raises(KeyError, match="model.onnx"):
        b.read("nothing.bin")
    b.close()
    b.close()
    with pytest.raises(ValueError, match="closed"):
        b.read("model.onnx")


def test_write_refuses_files_that_do_not_match_the_manifest(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as info:
        write_bundle(tmp_path / "b.jinfer", make_manifest(), {"model.onnx": MODEL + b"x"})
    assert info.value.code == "CHECKSUM_MISMATCH"
    with pytest.raises(BundleError) as info:
        write_bundle(tmp_path / "b.jinfer", make_manifest(), {})
    assert info.value.code == "ARTIFACT_MISSING"
    with pytest.raises(BundleError) as info:
        write_bundle(tmp_path / "b.jinfer", make_manifest(), {**files(), "../x": b""})
    assert info.value.code == "UNSAFE_PATH"
    with pytest.raises(ValueError, match="manifest.json"):
        write_bundle(tmp_path / "b.jinfer", make_manifest(), {**files(), "manifest.json": b"{}"})
    assert list(tmp_path.iterdir()) == []


def fail_on_second_call(monkeypatch: pytest.MonkeyPatch, owner: Any, attr: str) -> None:
    real = getattr(owner, attr)
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, attr, flaky)


def test_failed_zip_write_leaves_the_old_bundle_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_bundle(tmp_path / "b.jinfer", make_manifest(), files())
    before = out.read_bytes()
    new = make_manifest(description="new")
    fail_on_second_call(monkeypatch, zipfile.ZipFile, "writestr")
    with pytest.raises(OSError, match="disk full"):
        write_bundle(out, new, files())
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["b.jinfer"]
    monkeypatch.undo()
    monkeypatch.setattr(bundle_module.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("no rename")))
    with pytest.raises(OSError, match="no rename"):
        write_bundle(tmp_path / "fresh.jinfer", new, files())
    assert [p.name for p in tmp_path.iterdir()] == ["b.jinfer"]


def test_failed_directory_write_leaves_the_old_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = write_bundle(tmp_path / "d", make_manifest(), files(), as_directory=True)
    fail_on_second_call(monkeypatch, bundle_module, "_write_file")
    with pytest.raises(OSError, match="disk full"):
        write_bundle(out, make_manifest(description="new"), files(), as_directory=True)
    assert [p.name for p in tmp_path.iterdir()] == ["d"]
    with Bundle.open(out) as b:
        assert b.manifest.description == ""
        assert sorted(b.names()) == sorted(["manifest.json", *files()])


def test_failed_directory_swap_puts_the_old_bundle_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where directories cannot be swapped in one step (not Linux), the old bundle moves aside
    and the new one in; a failure of the second rename puts the old one back."""
    out = write_bundle(tmp_path / "d", make_manifest(), files(), as_directory=True)
    real_rename = os.rename
    monkeypatch.setattr(bundle_module, "_exchange", lambda a, b: False)

    moved_in: list[Any] = []

    def rename(src: Any, dst: Any) -> None:
        if Path(dst) == out and not moved_in:  # moving the new bundle in fails, after the old one moved aside
            moved_in.append(src)
            raise OSError("rename failed")
        real_rename(src, dst)

    monkeypatch.setattr(bundle_module.os, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        write_bundle(out, make_manifest(description="new"), files(), as_directory=True)
    assert [p.name for p in tmp_path.iterdir()] == ["d"]
    with Bundle.open(out) as b:
        assert b.manifest.description == "" and b.read_artifact(b.manifest.artifacts[0]) == MODEL


def test_directory_rewrite_replaces_the_old_one(tmp_path: Path) -> None:
    out = write_bundle(tmp_path / "d", make_manifest(), {**files(), "extra.txt": b"old"}, as_directory=True)
    write_bundle(out, make_manifest(description="new"), files(), as_directory=True)
    assert not (out / "extra.txt").exists() and [p.name for p in tmp_path.iterdir()] == ["d"]
    with Bundle.open(out) as b:
        assert b.manifest.description == "new" and not b.is_zip


def test_directory_write_will_not_replace_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "precious.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="not a jinfer bundle"):
        write_bundle(tmp_path / "d", make_manifest(), files(), as_directory=True)
    assert (tmp_path / "d" / "precious.txt").read_text() == "keep"


def test_npz_bytes_normalises_and_refuses_pickles() -> None:
    arrays = {
        "s": np.array(["a", "ü"], dtype=object),
        "be": np.array([1.5, 2.5], dtype=">f8"),
        "f": np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
    }
    data = npz_bytes(arrays)
    assert data == npz_bytes(arrays)
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        assert z["s"].dtype.kind == "U" and z["s"].tolist() == ["a", "ü"]
        assert z["be"].dtype.str == "<f8" and z["be"].tolist() == [1.5, 2.5]
        assert z["f"].flags.c_contiguous and z["f"].tolist() == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError, match="'o'.*pickled"):
        npz_bytes({"o": np.array([1, None], dtype=object)})
    with pytest.raises(TypeError, match="'h'"):
        npz_bytes({"h": np.zeros(2, dtype=np.complex64)})


def test_sha256_bytes() -> None:
    assert sha256_bytes(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
