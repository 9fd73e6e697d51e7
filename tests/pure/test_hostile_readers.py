"""Issue 10, the Python reader and CLI under hostile input: no hang, no blow-up, no untyped error.

The shared cases (size lies, names, npy headers, ONNX external data...) are conformance vectors
(test_conformance.py); these are the ones a vector cannot carry: FIFOs, links, deep documents
made at run time, and the CLI's own paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jinfer import Limits
from jinfer._bundle import Bundle, npz_bytes, write_bundle
from jinfer._cli import main, read_inputs
from jinfer._exceptions import BundleError, InputError
from jinfer._manifest import Artifact, Manifest, TensorSpec

MODEL = b"a stand-in artifact " * 10


def manifest(**changes: Any) -> Manifest:
    return Manifest(
        name="hostile",
        version="1",
        task="regression",
        inputs=(TensorSpec("features", "float32", (-1, 2)),),
        outputs=(TensorSpec("prediction", "float32", (-1,)),),
        artifacts=(Artifact.of("test", "model.bin", MODEL),),
        classes=None,
        created_at="2026-11-22T03:00:00Z",
        **changes,
    )


def directory(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "d", manifest(), {"model.bin": MODEL}, as_directory=True)


def in_subprocess(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` where a hang cannot hang the test run: it is killed after 60 s."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_a_fifo_in_a_directory_bundle_is_never_opened(tmp_path: Path) -> None:
    d = directory(tmp_path)
    os.mkfifo(d / "parity.npz")
    (d / "parity").mkdir()
    os.mkfifo(d / "parity" / "inputs.npz")
    r = in_subprocess(
        "from jinfer._bundle import Bundle\n"
        f"with Bundle.open({str(d)!r}) as b:\n"
        "    print(b.names(), b.parity_inputs())\n"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['manifest.json', 'model.bin'] {}"


def test_a_fifo_named_manifest_json_is_no_manifest(tmp_path: Path) -> None:
    d = directory(tmp_path)
    (d / "manifest.json").unlink()
    os.mkfifo(d / "manifest.json")
    r = in_subprocess(
        "from jinfer._bundle import Bundle\n"
        "from jinfer._exceptions import BundleError\n"
        "try:\n"
        f"    Bundle.open({str(d)!r})\n"
        "except BundleError as e:\n"
        "    print(e.code)\n"
    )
    assert r.stdout.strip() == "INVALID_MANIFEST", r.stderr


def test_looping_and_dangling_links_are_not_part_of_a_directory_bundle(tmp_path: Path) -> None:
    d = directory(tmp_path)
    os.symlink(d / "loop", d / "loop")
    os.symlink(d / "nowhere", d / "dangling")
    with Bundle.open(d) as b:
        assert b.names() == ["manifest.json", "model.bin"]


def test_a_manifest_nested_100000_deep_is_invalid_not_a_recursion_error() -> None:
    d = manifest().to_dict()
    text = json.dumps(d)[:-1] + ', "producer2": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(BundleError) as info:
        Manifest.from_json(text.encode())
    assert info.value.code == "INVALID_MANIFEST" and "nesting depth" in info.value.message
    shallow = json.dumps(d)[:-1] + ', "producer2": ' + "[" * 60 + "]" * 60 + "}"
    Manifest.from_json(shallow.encode())  # within the bound of 64
    with pytest.raises(BundleError):
        Manifest.from_json(shallow.encode(), Limits(max_json_depth=10))


def test_an_honest_huge_manifest_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.jinfer"
    text = json.dumps({**manifest().to_dict(), "description": " " * (17 << 20)}).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", text)
        zf.writestr("model.bin", MODEL)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(BundleError) as info:
        Bundle.open(path)
    assert info.value.code == "BUNDLE_TOO_LARGE" and "manifest.json" in info.value.message
    Bundle.open(path, limits=Limits(max_manifest_bytes=32 << 20)).close()


def test_npz_members_stay_within_the_bundles_remaining_budget(tmp_path: Path) -> None:
    buf = np.zeros((1000, 250), dtype=np.float32)
    inner = tmp_path / "inner.npz"
    np.savez_compressed(inner, x=buf)
    files = {"model.bin": MODEL, "parity/inputs.npz": inner.read_bytes()}
    path = write_bundle(tmp_path / "b.jinfer", manifest(), files)
    with Bundle.open(path) as b:
        stored = sum(len(b.read(n)) for n in b.names())
        assert b.parity_inputs()["x"].shape == (1000, 250)
    with Bundle.open(path, limits=Limits(max_bundle_bytes=stored + 1000)) as b, pytest.raises(BundleError) as info:
        b.parity_inputs()
    assert info.value.code == "BUNDLE_TOO_LARGE"


def test_limits_are_checked_and_max_bytes_is_a_shorthand(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        Limits(max_entries=0)
    with pytest.raises(ValueError, match="Java array"):
        Limits(max_entry_bytes=2**31)
    path = write_bundle(tmp_path / "b.jinfer", manifest(), {"model.bin": MODEL})
    with pytest.raises(BundleError) as info:
        Bundle.open(path, limits=Limits(max_entries=1))
    assert info.value.code == "BUNDLE_TOO_LARGE"
    with Bundle.open(path, max_bytes=10**6, limits=Limits(max_entries=5)) as b:
        assert b.limits == Limits(max_entries=5, max_bundle_bytes=10**6)


def raw_npy(header: str) -> bytes:
    text = (header + "\n").encode("latin1")
    return b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 60_000 + ")" * 60_000 + ", }", "header"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", "elements"),
        ("{'descr': '<U0', 'fortran_order': False, 'shape': (2000000000, 4), }", "elements"),
    ],
)
def test_the_cli_reads_hostile_npy_inputs_as_typed_errors(tmp_path: Path, header: str, words: str) -> None:
    path = tmp_path / "x.npy"
    path.write_bytes(raw_npy(header) + bytes(128))
    with pytest.raises(BundleError) as info:
        read_inputs(path)
    assert info.value.code == "INVALID_NPY" and words in info.value.message
    npz = tmp_path / "x.npz"
    with zipfile.ZipFile(npz, "w") as zf:
        zf.writestr("features.npy", path.read_bytes())
    with pytest.raises(BundleError) as info:
        read_inputs(npz)
    assert info.value.code == "INVALID_NPY"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a,b\n1,2\n3\n", "INVALID_CSV"),
        ("a,b\n1,x\n", "INVALID_VALUE"),
        ('a,b\n"1,2\n', "INVALID_CSV"),
        ("a,b\n1\x00,2\n", "INVALID_VALUE"),
    ],
)
def test_the_cli_reads_broken_csv_as_typed_errors(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_inputs(path)
    assert info.value.code == code
    path.write_bytes(b"a,b\n\xff,1\n")
    with pytest.raises(InputError) as info:
        read_inputs(path)
    assert info.value.code == "INVALID_CSV"


@pytest.mark.parametrize(
    "parity",
    [
        {"outputs": "not an object", "rows": [1], "rtol": "1e-5", "passed": "yes"},
        {"outputs": {"y": 5}, "atol": {"a": 1}},
        {"outputs": {"y": {"max_abs_error": [1, 2]}}},
    ],
)
@pytest.mark.parametrize("producer", [{"libraries": ["a", "b"]}, {"libraries": "x", "jinfer": {"v": 1}}, {}])
def test_inspect_prints_any_type_in_parity_and_producer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], parity: dict[str, Any], producer: dict[str, Any]
) -> None:
    m = manifest(producer=producer).with_artifacts([Artifact.of("test", "model.bin", MODEL, parity=parity)])
    path = write_bundle(tmp_path / "b.jinfer", m, {"model.bin": MODEL})
    assert main(["inspect", str(path)]) == 0
    assert "parity" in capsys.readouterr().out


def test_the_cli_last_resort_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import jinfer._cli as cli

    def broken(args: Any) -> int:
        raise KeyError("something jinfer did not expect")

    monkeypatch.setattr(cli, "_cmd_inspect", broken)
    assert main(["inspect", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("jinfer: error: internal error: KeyError") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_parity_npz_with_an_object_member_is_refused_unread(tmp_path: Path) -> None:
    files = {"model.bin": MODEL, "parity/inputs.npz": npz_bytes({"x": np.zeros(2)})}
    with zipfile.ZipFile(tmp_path / "obj.npz", "w") as zf:
        zf.writestr(
            "x.npy",
            b"\x93NUMPY\x01\x00"
            + b"\x46\x00"
            + b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".ljust(69)
            + b"\n",
        )
    files["parity/inputs.npz"] = (tmp_path / "obj.npz").read_bytes()
    path = write_bundle(tmp_path / "b.jinfer", manifest(), files)
    with Bundle.open(path) as b, pytest.raises(BundleError) as info:
        b.parity_inputs()
    assert info.value.code == "INVALID_NPY" and "object" in info.value.message
