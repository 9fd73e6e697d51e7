"""The warm-up at load (``LoadOptions.warmup`` in Java, ``warmup=`` of ``jinfer.load``, ``--warmup`` of
both CLIs), observed where the calls land: a python artifact whose callable records the batch of
every call it gets (``custom_models.counted_predict``), in this process (the JPype host), and a
bundle whose parity sample does not fit its model, on which a warm-up fails and no warm-up does not.
"""

from __future__ import annotations

import gc
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jpype
import numpy as np
import pytest
from pyhosts import X32, X_IRIS, Y_IRIS, cm
from test_cli import CLIS

import jinfer
from jinfer import BackendError, BundleError
from jinfer._runtime.jvm import java_errors, jclass

ROWS = len(X_IRIS)  # the parity sample's rows: the whole sample is the first warm-up call


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warmup") / "counted.jinfer"
    jinfer.export(
        cm.tracked_pipeline(X_IRIS, Y_IRIS),
        X_IRIS,
        path,
        formats=("python",),
        callable="custom_models:counted_predict",
    )
    return path


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    cm.counted["batches"].clear()
    cm.counted["fail"] = False
    yield
    cm.counted["fail"] = False


def _java_load(path: Path, warmup: int) -> object:
    options = jclass("io.jinfer.LoadOptions").builder().trustPython(True).warmup(warmup).build()
    with java_errors():
        return jclass("io.jinfer.Models").load(jpype.JString(str(path)), options)


def test_java_warmup_makes_n_calls_before_load_returns(counted: Path) -> None:
    model = _java_load(counted, 5)
    try:
        assert cm.counted["batches"] == [ROWS, 1, 1, 1, 1]  # the whole sample, then rows one by one
    finally:
        model.close()  # type: ignore[attr-defined]
    cm.counted["batches"].clear()
    model = _java_load(counted, 0)
    try:
        assert cm.counted["batches"] == []
    finally:
        model.close()  # type: ignore[attr-defined]


def test_python_load_warms_up_through_its_own_predict(counted: Path) -> None:
    with jinfer.load(counted, trust_python=True, warmup=4) as m:
        assert cm.counted["batches"] == [ROWS, 1, 1, 1]
        m.predict(X32[:2])
        assert cm.counted["batches"][-1] == 2
    cm.counted["batches"].clear()
    with jinfer.load(counted, trust_python=True, warmup=0):
        assert cm.counted["batches"] == []
    with pytest.raises(ValueError, match="warmup"):
        jinfer.load(counted, trust_python=True, warmup=-1)


def test_the_warmup_is_on_by_default(counted: Path) -> None:
    default = int(jclass("io.jinfer.LoadOptions").DEFAULT_WARMUP)
    with jinfer.load(counted, trust_python=True):
        calls = cm.counted["batches"]
        # all of them, unless the second's budget ran out first on a slow machine
        assert calls[0] == ROWS and 1 < len(calls) <= default and set(calls[1:]) == {1}


@pytest.mark.parametrize("side", ["python", "java"])
def test_a_failing_warmup_closes_the_model_and_names_the_bundle(counted: Path, side: str) -> None:
    cm.counted["fail"] = True
    before = len(cm.tracked)
    with pytest.raises((BackendError, BundleError)) as e:
        if side == "python":
            jinfer.load(counted, trust_python=True, warmup=3)
        else:
            _java_load(counted, 3)
    assert str(counted) in str(e.value) and "warm-up" in str(e.value), str(e.value)
    assert "told to fail" in str(e.value)
    assert cm.counted["batches"] == [ROWS]  # the first call failed, and no other was made
    assert len(cm.tracked) == before + 1  # the load unpickled the model once ...
    gc.collect()  # (the error's traceback still holds the Model of Python's load: closing is the load's)
    assert cm.tracked[-1]() is None  # ... and nothing holds it now: the session was closed


# ---------------------------------------------------------------- the CLIs' --warmup


@pytest.fixture(scope="module")
def misfit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An iris logistic regression whose parity sample has 5 columns where the model takes 4, and a
    good input file (one.npy) beside it."""
    from sklearn.linear_model import LogisticRegression

    d = tmp_path_factory.mktemp("misfit")
    X = X_IRIS.astype(np.float32)
    good = jinfer.export(LogisticRegression(max_iter=500).fit(X, Y_IRIS), X, d / "good.jinfer", formats=("onnx",))
    good.close()
    buf = io.BytesIO()
    np.savez(buf, features=np.zeros((3, 5), dtype=np.float32))
    with zipfile.ZipFile(d / "good.jinfer") as zin, zipfile.ZipFile(d / "misfit.jinfer", "w") as zout:
        for n in zin.namelist():
            zout.writestr(n, buf.getvalue() if n == "parity/inputs.npz" else zin.read(n))
    np.save(d / "one.npy", X[:1])
    return d


def test_a_sample_row_the_load_refuses_is_skipped(misfit: Path) -> None:
    """A recorded sample may hold NaN (the model answered it at export): a default load refuses
    NaN, so the warm-up leaves that row out rather than the load failing."""
    sample = X32[:3].copy()
    sample[1, 0] = np.nan
    buf = io.BytesIO()
    np.savez(buf, features=sample)
    path = misfit / "nan.jinfer"
    with zipfile.ZipFile(misfit / "good.jinfer") as zin, zipfile.ZipFile(path, "w") as zout:
        for n in zin.namelist():
            zout.writestr(n, buf.getvalue() if n == "parity/inputs.npz" else zin.read(n))
    with jinfer.load(path) as m:
        assert m.predict(X32[:2])["label"].shape == (2,)


@pytest.mark.parametrize("cli", CLIS)
def test_predict_warms_up_only_when_asked(cli: str, misfit: Path) -> None:
    run = CLIS[cli]
    r = run("predict", "misfit.jinfer", "--input", "one.npy", cwd=misfit)
    assert r.returncode == 0, r.stderr
    r = run("predict", "misfit.jinfer", "--input", "one.npy", "--warmup", "2", cwd=misfit)
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "misfit.jinfer" in err[0] and "warm-up" in err[0], r.stderr


@pytest.mark.parametrize("cli", CLIS)
def test_bench_warms_up_unless_told_not_to(cli: str, misfit: Path) -> None:
    run = CLIS[cli]
    r = run("bench", "misfit.jinfer", "--batch", "1", cwd=misfit)
    assert r.returncode == 2 and "warm-up" in r.stderr, r.stdout + r.stderr
    # no warm-up: the load succeeds, and it is the bench's own first call that meets the sample
    r = run("bench", "misfit.jinfer", "--batch", "1", "--warmup", "0", cwd=misfit)
    assert r.returncode == 2 and "warm-up" not in r.stderr, r.stdout + r.stderr
    r = run("bench", "misfit.jinfer", "--warmup", "-1", cwd=misfit)
    assert r.returncode == 2 and "--warmup" in r.stderr, r.stdout + r.stderr
