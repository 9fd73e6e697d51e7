"""Both CLIs, run as a user runs them: exit codes, one-line errors, outputs on disk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from models import MODELS, fitted

ROOT = Path(__file__).resolve().parents[2]
JAVA_CLI = ROOT / "build" / "install" / "jinfer" / "bin" / "jinfer"


def py_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jinfer", *args], capture_output=True, text=True, cwd=cwd)


def java_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert JAVA_CLI.is_file(), "run `gradle installDist` (make jars) first"
    return subprocess.run([str(JAVA_CLI), *args], capture_output=True, text=True, cwd=cwd)


CLIS = {"python": py_cli, "java": java_cli}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle made by `jinfer export` from a joblib file and a .npy sample."""
    d = tmp_path_factory.mktemp("cli")
    joblib.dump(fitted("logreg"), d / "iris.joblib")
    np.save(d / "sample.npy", MODELS["logreg"][1])
    r = py_cli(
        "export",
        "iris.joblib",
        "--sample",
        "sample.npy",
        "-o",
        "iris.jinfer",
        "--name",
        "iris",
        "--version",
        "2.0.0",
        cwd=d,
    )
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and (d / "iris.jinfer").is_file()
    return d


@pytest.mark.parametrize("cli", CLIS)
def test_inspect(cli: str, exported: Path) -> None:
    r = CLIS[cli]("inspect", "iris.jinfer", cwd=exported)
    assert r.returncode == 0, r.stderr
    for word in ("iris", "2.0.0", "classification", "features", "probabilities", "onnx", "passed"):
        assert word in r.stdout, (word, r.stdout)


@pytest.mark.parametrize("cli", CLIS)
def test_verify_passes(cli: str, exported: Path) -> None:
    r = CLIS[cli]("verify", "iris.jinfer", cwd=exported)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout


@pytest.mark.parametrize("cli", CLIS)
def test_predict_npy_to_npz(cli: str, exported: Path) -> None:
    X = MODELS["logreg"][1][:10].astype(np.float32)
    np.save(exported / f"in-{cli}.npy", X)
    r = CLIS[cli]("predict", "iris.jinfer", "--input", f"in-{cli}.npy", "--output", f"out-{cli}.npz", cwd=exported)
    assert r.returncode == 0, r.stderr
    with np.load(exported / f"out-{cli}.npz") as out:
        np.testing.assert_array_equal(out["label"], fitted("logreg").predict(X))
        np.testing.assert_allclose(out["probabilities"], fitted("logreg").predict_proba(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cli", CLIS)
def test_predict_csv_to_stdout(cli: str, exported: Path) -> None:
    X = MODELS["logreg"][1][:3]
    lines = ["x1,x2,x3,x4"] + [",".join(str(v) for v in row) for row in X]
    (exported / "in.csv").write_text("\n".join(lines) + "\n")
    r = CLIS[cli]("predict", "iris.jinfer", "--input", "in.csv", cwd=exported)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.strip().splitlines()
    assert rows[0].split(",")[0] == "label" and len(rows) == 4
    assert [int(row.split(",")[0]) for row in rows[1:]] == list(fitted("logreg").predict(X))


@pytest.mark.parametrize("cli", CLIS)
def test_verify_fails_with_exit_1_when_parity_is_broken(cli: str, exported: Path) -> None:
    import zipfile

    src = exported / "iris.jinfer"
    dst = exported / f"wrong-{cli}.jinfer"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == "parity/expected.npz":  # someone else's "expected" outputs
                import io

                with np.load(io.BytesIO(data)) as z:
                    arrays = {k: z[k] for k in z.files}
                arrays["probabilities"] = arrays["probabilities"][::-1].copy()
                buf = io.BytesIO()
                np.savez(buf, **arrays)
                data = buf.getvalue()
            zout.writestr(n, data)
    r = CLIS[cli]("verify", dst.name, cwd=exported)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL" in r.stdout


@pytest.mark.parametrize("cli", CLIS)
@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "nope.jinfer"],
        ["verify", "corrupt.jinfer"],
        ["predict", "iris.jinfer", "--input", "bad.npy"],
        ["frobnicate"],
    ],
)
def test_errors_exit_2_with_one_line(cli: str, args: list[str], exported: Path) -> None:
    (exported / "corrupt.jinfer").write_bytes(b"PK\x03\x04 this is not a zip")
    np.save(exported / "bad.npy", np.zeros((2, 7), dtype=np.float32))
    r = CLIS[cli](*args, cwd=exported)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip().splitlines()
    if args[0] != "frobnicate":
        assert len(err) == 1 and err[0].startswith("jinfer: error:"), r.stderr
        assert "Traceback" not in r.stderr and "\tat " not in r.stderr


def test_debug_shows_the_trace(exported: Path) -> None:
    r = py_cli("--debug", "inspect", "nope.jinfer", cwd=exported)
    assert r.returncode == 2 and "Traceback" in r.stderr


def with_parity(src: Path, dst: Path, **parity: object) -> Path:
    """The bundle ``src`` rewritten with these fields in its first artifact's parity record."""
    import dataclasses

    from jinfer._bundle import Bundle, write_bundle

    with Bundle.open(src) as b:
        files = {n: b.read(n) for n in b.names() if n != "manifest.json"}
        a = b.manifest.artifacts[0]
        m = b.manifest.with_artifacts([dataclasses.replace(a, parity={**(a.parity or {}), **parity})])
    return write_bundle(dst, m, files)


@pytest.mark.parametrize("cli", CLIS)
def test_verify_takes_parity_tolerances_of_any_type(cli: str, exported: Path) -> None:
    # a string rtol gave TypeError in the Python CLI (issue 10): an unusable tolerance is the default
    with_parity(exported / "iris.jinfer", exported / "odd-parity.jinfer", rtol="1e-5", atol=[1], outputs="x")
    r = CLIS[cli]("verify", "odd-parity.jinfer", cwd=exported)
    assert r.returncode == 0, r.stderr
    assert "PASS" in r.stdout
    r = CLIS[cli]("inspect", "odd-parity.jinfer", cwd=exported)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("cli", CLIS)
def test_a_hostile_npy_input_is_one_line(cli: str, exported: Path) -> None:
    nested = "(" * 60_000 + ")" * 60_000
    text = ("{'descr': '<f4', 'fortran_order': False, 'shape': " + nested + ", }\n").encode("latin1")
    (exported / "deep.npy").write_bytes(b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text)
    r = CLIS[cli]("predict", "iris.jinfer", "--input", "deep.npy", cwd=exported)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("jinfer: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "header" in r.stderr


@pytest.fixture(scope="module")
def refused_by_ort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle whose only artifact ONNX Runtime refuses (its checksum is right), with a parity sample."""
    from jinfer import Artifact, Manifest, TensorSpec, write_bundle
    from jinfer._bundle import npz_bytes

    junk = b"\x08\x07"  # a ModelProto (ir_version 7) with no graph: protobuf reads it, ORT refuses it
    manifest = Manifest(
        name="refused",
        version="1.0.0",
        task="regression",
        inputs=(TensorSpec("features", "float32", (-1, 2)),),
        outputs=(TensorSpec("prediction", "float32", (-1,)),),
        artifacts=(Artifact.of("onnx", "model.onnx", junk),),
        classes=None,
        created_at="2026-11-22T03:00:00Z",
    )
    X = np.zeros((2, 2), dtype=np.float32)
    d = tmp_path_factory.mktemp("refused")
    np.save(d / "x.npy", X)
    files = {"model.onnx": junk, "parity/inputs.npz": npz_bytes({"features": X})}
    files["parity/expected.npz"] = npz_bytes({"prediction": np.zeros(2, np.float32)})
    return write_bundle(d / "refused.jinfer", manifest, files)


@pytest.mark.parametrize("cli", CLIS)
def test_an_artifact_the_runtime_refuses_fails_verify_alike(cli: str, refused_by_ort: Path) -> None:
    r = CLIS[cli]("verify", refused_by_ort.name, cwd=refused_by_ort.parent)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)  # the artifact fails: exit 1, as for parity
    assert "onnx: FAIL" in r.stdout and "ORT_INVALID_ARGUMENT" in r.stdout, r.stdout
    r = CLIS[cli]("predict", refused_by_ort.name, "--input", "x.npy", cwd=refused_by_ort.parent)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)  # nothing can predict: bad input
    assert len(r.stderr.strip().splitlines()) == 1 and "ORT_INVALID_ARGUMENT" in r.stderr, r.stderr


def test_python_cli_errors_are_one_line(exported: Path) -> None:
    """A Python model's error spans lines (scikit-learn's NaN advice does): the CLI prints one."""
    import jinfer

    path = exported / "iris-python.jinfer"
    jinfer.export(fitted("logreg"), MODELS["logreg"][1], path, name="iris", formats=("python",))
    X = MODELS["logreg"][1][:3].astype(np.float32)
    X[1, 1] = np.nan
    np.save(exported / "holes.npy", X)
    args = ["predict", path.name, "--input", "holes.npy", "--trust-python", "--allow-non-finite"]
    r = py_cli(*args, cwd=exported)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Input X contains NaN" in r.stderr and "does not accept missing values" in r.stderr
