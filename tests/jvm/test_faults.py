"""Faults, as they happen to a user: an exporter killed at a random moment, a full disk, a read-only
target, a bundle replaced under a loaded model, a model closed while threads predict.

What must hold: no bundle, whole or partial, appears at a target whose export was killed (nor is
an older bundle there damaged), nothing is left but the one documented pattern
(``.NAME.PID-HEX.tmp`` beside the target, removed by the next export); a full or read-only file
system gives a one-line error naming the target and leaves nothing; a loaded model's answers do
not change when its file does; a closed model's later calls get the closed error and nothing else.
The disks are tmpfs mounts (root only: skipped, saying why, elsewhere).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import jinfer
from jinfer import Bundle, JinferError
from models import MODELS, Y_IRIS, fitted

ROOT = Path(__file__).resolve().parents[2]
JAVA_CLI = ROOT / "build" / "install" / "jinfer" / "bin" / "jinfer"
X = MODELS["logreg"][1]
LEFTOVER = r"\.{name}\.\d+-[0-9a-f]{{8}}\.tmp"


def leftovers_only(directory: Path, target: str) -> list[str]:
    """The names in ``directory`` other than ``target``; fails unless all are the documented pattern."""
    others = sorted(p.name for p in directory.iterdir() if p.name != target)
    bad = [n for n in others if not re.fullmatch(LEFTOVER.format(name=re.escape(target)), n)]
    assert not bad, f"stray files beside {target}: {bad}"
    return others


def description(path: Path) -> str | None:
    """The description of the complete, verified bundle at ``path``; None when there is none."""
    if not path.exists():
        return None
    with Bundle.open(path) as b:
        b.verify()
        return b.manifest.description


# ---------------------------------------------------------------- kill -9 of an exporter


@pytest.fixture(scope="module")
def exporter_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("exporter")
    joblib.dump(fitted("logreg"), d / "model.joblib")
    np.save(d / "sample.npy", X)
    return d


def export_command(inputs: Path, target: Path, as_directory: bool) -> list[str]:
    """``jinfer export`` (the CLI: all of its temporary files are its own) or, for a directory
    bundle, the same export through ``jinfer.export(..., as_directory=True)``."""
    if not as_directory:
        model, sample = inputs / "model.joblib", inputs / "sample.npy"
        return [sys.executable, "-m", "jinfer", "export", str(model), "--sample", str(sample), "-o", str(target)]
    script = (
        "import sys, joblib, numpy as np, jinfer; "
        "jinfer.export(joblib.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3], name='m', "
        "description='new', formats=('onnx',), as_directory=True)"
    )
    return [sys.executable, "-c", script, str(inputs / "model.joblib"), str(inputs / "sample.npy"), str(target)]


def run_and_kill(cmd: list[str], target: Path, env: dict[str, str], delay: float | None) -> float:
    """Run an exporter; once its scratch directory appears beside ``target``, wait ``delay`` seconds
    and kill -9 it (None: let it finish). Returns the seconds from the scratch to the end."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    pattern = re.compile(LEFTOVER.format(name=re.escape(target.name)))
    try:
        while proc.poll() is None and not any(pattern.fullmatch(p.name) for p in target.parent.iterdir()):
            time.sleep(0.005)
        began = time.monotonic()
        if delay is None:
            assert proc.wait(300) == 0
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(delay)
            proc.send_signal(signal.SIGKILL)  # the exporter alone, as an OOM killer would
            proc.wait(60)
        return time.monotonic() - began
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # a converter's child the kill orphaned


@pytest.mark.parametrize("kind, kills", [("zip", 14), ("directory", 6)])
def test_killing_an_exporter_at_random_moments_leaves_no_bundle_and_one_pattern(
    kind: str, kills: int, exporter_inputs: Path, tmp_path: Path
) -> None:
    """20 kills in all. A zip export to a new path leaves nothing there (or, killed after its
    rename, the whole bundle); a directory export over an older bundle leaves the old or the new."""
    as_directory = kind == "directory"
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(cache)}

    def target_for(i: int) -> Path:
        d = tmp_path / f"run{i}"
        d.mkdir()
        target = d / "m.jinfer"
        if as_directory:  # an older bundle at the path
            jinfer.export(
                fitted("logreg"), X, target, name="m", description="old", formats=("onnx",), as_directory=True
            )
        return target

    span = run_and_kill(
        export_command(exporter_inputs, target_for(0), as_directory), tmp_path / "run0" / "m.jinfer", env, None
    )
    rng = random.Random(10)
    delays = [rng.uniform(0, span) for _ in range(kills)]
    targets = [target_for(i + 1) for i in range(kills)]
    with ThreadPoolExecutor(3) as pool:
        list(
            pool.map(
                lambda td: run_and_kill(export_command(exporter_inputs, td[0], as_directory), td[0], env, td[1]),
                zip(targets, delays),
            )
        )
    found = []
    for target in targets:
        found.append(description(target))
        leftovers_only(target.parent, target.name)
    allowed = {"old", "new"} if as_directory else {None, ""}  # the CLI's export has no description
    assert set(found) <= allowed, found
    assert sorted(os.listdir(tmp)) == [], "the exporters' temporary directory is not empty"
    # the next export to each path removes what the killed one left, and succeeds
    for target in targets:
        jinfer.export(
            fitted("logreg"), X, target, name="m", description="next", formats=("onnx",), as_directory=as_directory
        )
        assert description(target) == "next"
        assert leftovers_only(target.parent, target.name) == []


# ---------------------------------------------------------------- full and read-only disks


@contextlib.contextmanager
def tmpfs(where: Path, size: str, *, read_only: bool = False, seed: dict[str, bytes] | None = None) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where`` (its files from ``seed``, then made read-only if asked)."""
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'}): the disk-fault tests need one")
    try:
        for name, data in (seed or {}).items():
            (where / name).write_bytes(data)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def py_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jinfer", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def java_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(JAVA_CLI), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("small")
    np.save(d / "x.npy", X[:5].astype(np.float32))
    return jinfer.export(fitted("logreg"), X, d / "iris.jinfer", name="iris", formats=("onnx",)).path


def one_line_error(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jinfer: error:"), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("size", ["4k", "12k"])
def test_a_full_disk_fails_an_export_clearly_and_leaves_nothing(size: str, tmp_path: Path) -> None:
    """File systems that fill up at different points of an export (its scratch, a staging bundle)."""
    with tmpfs(tmp_path / "disk", size) as disk:
        with pytest.raises(OSError, match="No space left on device") as info:
            jinfer.export(fitted("logreg"), X, disk / "m.jinfer", name="m", formats=("onnx",))
        assert "m.jinfer" in str(info.value) and "nothing was written" in str(info.value)
        assert list(disk.iterdir()) == []


@pytest.mark.parametrize("kind", ["zip", "directory"])
def test_a_full_disk_fails_a_bundle_write_and_keeps_the_old_one(kind: str, tmp_path: Path) -> None:
    from jinfer import Artifact, write_bundle

    old = jinfer.export(fitted("logreg"), X, tmp_path / "old.jinfer", name="m", formats=("onnx",))
    with Bundle.open(old.path) as b:
        files = {n: b.read(n) for n in b.names() if n != "manifest.json"}
        manifest = b.manifest
    big = np.random.default_rng(0).bytes(256 << 10)  # an artifact the disk cannot hold
    bigger = manifest.with_artifacts([*manifest.artifacts, Artifact.of("python", "model.joblib", big)])
    with tmpfs(tmp_path / "disk", "128k") as disk:
        target = write_bundle(disk / "m.jinfer", manifest, files, as_directory=kind == "directory")
        with pytest.raises(OSError, match="No space left on device") as info:
            write_bundle(target, bigger, {**files, "model.joblib": big}, as_directory=kind == "directory")
        assert "m.jinfer" in str(info.value)
        assert [p.name for p in disk.iterdir()] == ["m.jinfer"]
        with Bundle.open(target) as b:
            b.verify()
            assert [a.backend for a in b.manifest.artifacts] == ["onnx"]


def test_a_full_disk_fails_the_clis_in_one_line_and_keeps_the_old_output(
    small_bundle: Path, exporter_inputs: Path, tmp_path: Path
) -> None:
    old = b"the previous output\n"
    big = tmp_path / "big.npy"
    np.save(big, np.tile(X.astype(np.float32), (40, 1)))  # 6,000 rows: more CSV than the disk holds
    with tmpfs(tmp_path / "disk", "16k", seed={"out.csv": old}) as disk:
        model, sample = exporter_inputs / "model.joblib", exporter_inputs / "sample.npy"
        r = py_cli(
            "export",
            str(model),
            "--sample",
            str(sample),
            "-o",
            str(disk / "m.jinfer"),
            "--format",
            "onnx",
            cwd=tmp_path,
        )
        one_line_error(r, "m.jinfer", "No space left on device")
        for cli in (py_cli, java_cli):
            r = cli("predict", str(small_bundle), "--input", str(big), "--output", str(disk / "out.csv"), cwd=tmp_path)
            one_line_error(r, "out.csv", "No space left on device")
            assert (disk / "out.csv").read_bytes() == old  # the old output, whole
        assert [p.name for p in disk.iterdir()] == ["out.csv"]


def test_a_read_only_target_gives_a_clear_error_and_keeps_the_old_bundle(
    small_bundle: Path, exporter_inputs: Path, tmp_path: Path
) -> None:
    old = small_bundle.read_bytes()
    with tmpfs(tmp_path / "ro", "1m", read_only=True, seed={"m.jinfer": old}) as disk:
        with pytest.raises(OSError, match="Read-only file system") as info:
            jinfer.export(fitted("logreg"), X, disk / "m.jinfer", name="m", formats=("onnx",))
        assert "m.jinfer" in str(info.value)
        r = py_cli(
            "export",
            str(exporter_inputs / "model.joblib"),
            "--sample",
            str(exporter_inputs / "sample.npy"),
            "-o",
            str(disk / "m.jinfer"),
            cwd=tmp_path,
        )
        one_line_error(r, "m.jinfer", "Read-only file system")
        for cli in (py_cli, java_cli):
            r = cli(
                "predict",
                str(disk / "m.jinfer"),
                "--input",
                str(small_bundle.parent / "x.npy"),
                "--output",
                str(disk / "out.npz"),
                cwd=tmp_path,
            )
            one_line_error(r, "out.npz")
        assert [p.name for p in disk.iterdir()] == ["m.jinfer"] and (disk / "m.jinfer").read_bytes() == old


# ---------------------------------------------------------------- a bundle replaced under a loaded model


@pytest.mark.parametrize("how", ["export-over", "overwrite-in-place"])
@pytest.mark.parametrize("kind", ["zip", "directory"])
def test_replacing_the_bundle_does_not_change_a_loaded_models_answers(kind: str, how: str, tmp_path: Path) -> None:
    as_directory = kind == "directory"
    path = tmp_path / "m.jinfer"
    first = fitted("logreg")
    other = LogisticRegression(C=0.01, max_iter=1000).fit(X, Y_IRIS)
    jinfer.export(first, X, path, name="m", formats=("onnx",), as_directory=as_directory)
    X32 = X.astype(np.float32)
    want = first.predict_proba(X32)
    assert not np.allclose(other.predict_proba(X32), want, atol=0.05)
    with jinfer.load(path) as m:
        stop, wrong, calls = threading.Event(), [], [0]

        def predict_on() -> None:
            while not stop.is_set():
                got = m.predict(X32)["probabilities"]
                if not np.allclose(got, want, atol=1e-5):
                    wrong.append(calls[0])
                calls[0] += 1

        t = threading.Thread(target=predict_on)
        t.start()
        try:
            while calls[0] < 20:
                time.sleep(0.01)
            replacement = tmp_path / "other.jinfer"
            jinfer.export(other, X, replacement, name="other", formats=("onnx",), as_directory=as_directory)
            if how == "export-over":
                jinfer.export(other, X, path, name="other", formats=("onnx",), as_directory=as_directory)
            elif as_directory:
                for f in replacement.rglob("*"):
                    if f.is_file():
                        (path / f.relative_to(replacement)).write_bytes(f.read_bytes())
            else:
                path.write_bytes(replacement.read_bytes())
            seen = calls[0]
            while calls[0] < seen + 20:
                time.sleep(0.01)
        finally:
            stop.set()
            t.join(60)
        assert wrong == [], f"{len(wrong)} of {calls[0]} answers changed"
    with jinfer.load(path) as fresh:  # the file did change: a new load answers as the other model
        np.testing.assert_allclose(fresh.predict(X32)["probabilities"], other.predict_proba(X32), atol=1e-5)


# ---------------------------------------------------------------- close while threads predict


def test_closing_a_model_while_threads_predict(bundles: dict[str, Path]) -> None:
    """Calls in flight finish with the right answer; every later call gets MODEL_CLOSED, nothing else."""
    X32 = X.astype(np.float32)
    want = fitted("logreg").predict(X32)
    m = jinfer.load(bundles["logreg-float32"])
    answered = [0]
    problems: list[str] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        refused = False
        for _ in range(100_000):
            n = int(rng.choice([1, 8, 150]))
            try:
                got = m.predict(X32[:n])["label"]
            except JinferError as e:
                if e.code != "MODEL_CLOSED":
                    problems.append(f"{e.code}: {e}")
                refused = True
                break
            except Exception as e:  # noqa: BLE001 - anything else is a finding
                problems.append(repr(e))
                break
            if not np.array_equal(got, want[:n]):
                problems.append(f"a wrong answer for {n} rows")
            answered[0] += 1
        if refused:
            try:
                m.predict(X32[:1])
                problems.append("a call after close() answered")
            except JinferError as e:
                if e.code != "MODEL_CLOSED":
                    problems.append(f"after close(): {e.code}: {e}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while answered[0] < 200:
        time.sleep(0.001)
    m.close()
    for t in threads:
        t.join(60)
    assert problems == []
    assert answered[0] >= 200


def test_close_waits_for_a_call_in_flight() -> None:
    """A Python model that blocks mid-call: close() returns only after the call did, with its answer."""
    entered, release = threading.Event(), threading.Event()

    def slow(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        entered.set()
        assert release.wait(60)
        return {"y": inputs["x"] * 2}

    spec = {"dtype": "float64", "shape": [-1]}
    jinfer.register("faults-slow", slow, inputs=[{"name": "x", **spec}], outputs=[{"name": "y", **spec}])
    try:
        m = jinfer.load("python:faults-slow")
        answer: list[Any] = []
        call = threading.Thread(target=lambda: answer.append(m.predict(np.array([1.0, 2.0]))["y"]))
        call.start()
        assert entered.wait(60)
        closer = threading.Thread(target=m.close)
        closer.start()
        closer.join(0.5)
        still_open = closer.is_alive()  # close() is waiting for the call
        release.set()
        call.join(60)
        closer.join(60)
        assert still_open, "close() returned while a call was in flight"
        np.testing.assert_array_equal(answer[0], [2.0, 4.0])
        with pytest.raises(JinferError, match="closed"):
            m.predict(np.array([1.0]))
    finally:
        jinfer.unregister("faults-slow")
