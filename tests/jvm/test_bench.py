"""``jinfer bench``: the code path runs and its rows hold together. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jinfer import TensorSpec
from jinfer._bench import bench_bundle, format_rows, make_inputs, parse_batches, time_interleaved

ROOT = Path(__file__).resolve().parents[2]
JAVA_CLI = ROOT / "build" / "install" / "jinfer" / "bin" / "jinfer"


@pytest.mark.parametrize("threads", [1, 2])
def test_bench_bundle_rows(bundles: dict[str, Path], threads: int) -> None:
    rows = bench_bundle(
        bundles["logreg-float32"], [1, 2], threads=threads, rounds=2, round_s=0.01, warmup_s=0.01, progress=False
    )
    assert [r.batch for r in rows] == [1, 2]
    for r in rows:
        assert r.backend == "onnx" and r.threads == threads
        assert r.calls >= 2 * threads
        assert 0 < r.min_s <= r.median_s <= r.max_s
        assert r.rows_per_s > 0
        assert set(r.to_dict()) == {"backend", "batch", "threads", "calls", "median_s", "min_s", "max_s", "rows_per_s"}
    table = format_rows(rows, title="logreg")
    assert table.splitlines()[0].startswith("logreg: onnx backend")
    assert len(table.splitlines()) == 4


def test_bench_bundle_refuses_bad_arguments(bundles: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="threads"):
        bench_bundle(bundles["logreg-float32"], [1], threads=0)
    with pytest.raises(ValueError, match="batches"):
        bench_bundle(bundles["logreg-float32"], [0], threads=1)
    with pytest.raises(ValueError, match="--batch"):
        parse_batches("1,x")
    assert parse_batches("1, 64,1024") == [1, 64, 1024]


def test_make_inputs_tiles_the_sample_or_draws_from_the_specs() -> None:
    spec = TensorSpec("features", "float32", (-1, 3))
    sample = {"features": np.arange(6, dtype=np.float32).reshape(2, 3)}
    tiled = make_inputs([spec], sample, 5)["features"]
    assert tiled.shape == (5, 3) and tiled.flags.c_contiguous
    np.testing.assert_array_equal(tiled[2], sample["features"][0])
    specs = [TensorSpec("city", "string", (-1,)), TensorSpec("n", "int64", (-1, -1))]
    drawn = make_inputs(specs, {}, 4)
    assert drawn["city"].shape == (4,) and drawn["city"].dtype.kind == "U"
    assert drawn["n"].shape == (4, 1) and drawn["n"].dtype == np.int64


def test_time_interleaved_gives_a_sample_per_round() -> None:
    t = time_interleaved({"a": lambda: None, "b": lambda: sum(range(100))}, warmup_s=0.001, block_s=0.001, rounds=3)
    assert list(t) == ["a", "b"]
    assert all(len(v.seconds) == 3 and v.calls_per_block >= 1 and v.median > 0 for v in t.values())


def _cli(kind: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "jinfer"] if kind == "python" else [str(JAVA_CLI)]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("kind", ["python", "java"])
def test_bench_verb(kind: str, bundles: dict[str, Path]) -> None:
    if kind == "java" and not JAVA_CLI.is_file():
        pytest.skip("the Java CLI is not built (gradle installDist)")
    bundle = bundles["logreg-float32"]
    if "bench" not in _cli(kind, "--help", cwd=bundle.parent).stdout:
        pytest.skip(f"the {kind} CLI has no bench verb registered yet")
    r = _cli(kind, "bench", bundle.name, "--batch", "1,2", cwd=bundle.parent)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "onnx backend, 1 thread" in lines[0]
    assert [ln.split()[0] for ln in lines[2:]] == ["1", "2"]
    bad = _cli(kind, "bench", bundle.name, "--batch", "0", cwd=bundle.parent)
    assert bad.returncode == 2 and "batch" in bad.stderr
