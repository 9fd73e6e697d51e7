"""Warm start (issue 17, item 4): the load, and the first calls after it, against ONNX Runtime's own.

    .venv/bin/python bench/warm_start.py [--runs 3] [--warmup N,...]   # this benchmark alone:
                                        # rewrites its section of docs/benchmarks.md, prints the ratios
    bench/run.py runs it too, as the suite ``warm-start`` (:data:`SUITE`)

Every sample is a fresh process, since the JIT's state is the process's: a JVM running
``io.jinfer.bench.WarmStart`` (jinfer's ``Models.load`` with a given warm-up, or raw ONNX Runtime
Java's ``createSession``), or a Python running this file's ``child`` (``jinfer.load`` with a given
``warmup=``, in a JVM started before the clock starts, or onnxruntime's ``InferenceSession``). Each
times its load, then 30,000 calls of one row one by one: the first-call figure is the median of
the first 300, the steady state the median of the last 10,000, and the ratio of the two is the
target (≤ 1.5x, DESIGN.md). The sides run interleaved, run after run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from anchors import build_java_harness
from common import ROOT, Config, Point, Results, log, write_marked_section
from jinfer._bench import duration
from suites import Context, Suite, make_workdir

FIRST, CALLS, STEADY = 300, 30_000, 10_000  # as io.jinfer.bench.WarmStart counts them
SECTION = "## Warm start"
SIDES = {
    "jinfer-java": "jinfer Java (Models.load, default warm-up)",
    "jinfer-java-cold": "jinfer Java (Models.load, warmup(0))",
    "ort-java": "raw ONNX Runtime Java (createSession)",
    "jinfer-python": "jinfer from Python (jinfer.load, default warm-up)",
    "jinfer-python-cold": "jinfer from Python (jinfer.load, warmup=0)",
    "ort-python": "onnxruntime Python (InferenceSession)",
}


def child(side: str, bundle: str, warmup: int | None) -> None:
    """One Python sample (run in a fresh process): prints the JSON that WarmStart prints."""
    import jinfer

    with jinfer.Bundle.open(bundle) as b:
        row = _one_row(b)
        onnx = next(a for a in b.manifest.artifacts if a.backend == "onnx")
        native = onnx.details.get("input_names", {})
        onnx_bytes = b.read_artifact(onnx) if side != "jinfer" else b""
    if side == "jinfer":
        with jinfer.jvm():  # the JVM's own start is not the load's
            pass
        start = time.perf_counter()
        model = jinfer.load(bundle, warmup=warmup)
        load_s = time.perf_counter() - start
        x = row if len(row) > 1 else next(iter(row.values()))  # a single-input model takes the array

        def call() -> object:
            return model.predict(x)
    else:
        import onnxruntime as ort

        start = time.perf_counter()
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(onnx_bytes, so, providers=["CPUExecutionProvider"])
        load_s = time.perf_counter() - start
        ranks = {i.name: len(i.shape) for i in sess.get_inputs()}
        feed = {native.get(k, k): v.reshape(1, -1) if ranks[native.get(k, k)] > v.ndim else v for k, v in row.items()}

        def call() -> object:
            return sess.run(None, feed)

    clock = time.perf_counter
    times = []
    for _ in range(CALLS):
        t = clock()
        call()
        times.append(clock() - t)
    print(
        json.dumps({"load_s": load_s, "steady_median_s": statistics.median(times[-STEADY:]), "first_s": times[:FIRST]})
    )


def _one_row(b: Any) -> dict[str, np.ndarray]:
    """One row of every input of bundle ``b``: standard normal float32 from one seed, a string
    input's first value in the parity sample (the rule of ``io.jinfer.bench.Batch``)."""
    rng = np.random.default_rng(42)
    row: dict[str, np.ndarray] = {}
    for spec in b.manifest.inputs:
        if spec.dtype == "string":
            row[spec.name] = b.parity_inputs()[spec.name][:1]
        else:
            row[spec.name] = rng.normal(size=(1, *spec.shape[1:])).astype(np.float32)
    return row


def _sample(side: str, bundle: Path, classpath: str, workdir: Path) -> dict[str, Any]:
    """One sample of ``side`` (a key of :data:`SIDES`), in a fresh process."""
    kind = "ort" if side.startswith("ort-") else "jinfer"
    warm = [] if kind == "ort" else ["0" if side.endswith("-cold") else "-1"]  # -1: the default
    if "-java" in side:
        cmd = ["java", "-cp", classpath, "io.jinfer.bench.WarmStart", kind, str(bundle), *warm]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(bundle), *warm]
    done = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def run(ctx: Context) -> None:
    """The suite: per model and side, points ``warm-load`` (seconds of the load), ``warm-first``
    (median of the first 300 calls), ``warm-steady`` (the steady-state median) and ``warm-ratio``
    (first / steady), one sample per run."""
    classpath = build_java_harness()
    runs = max(2, ctx.config.rounds // 5)
    for name, m in ctx.models.items():
        got: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
        for r in range(runs):
            order = list(SIDES) if r % 2 == 0 else list(reversed(SIDES))
            for side in order:
                log(f"warm start, {name}, run {r + 1}/{runs}: {side}")
                got[side].append(_sample(side, m.bundle, classpath, ctx.workdir))
        for side, samples in got.items():
            first = [statistics.median(s["first_s"]) for s in samples]
            steady = [s["steady_median_s"] for s in samples]
            add = ctx.results.add
            add(Point("warm-load", side, name, 1, [s["load_s"] for s in samples]))
            add(Point("warm-first", side, name, 1, first))
            add(Point("warm-steady", side, name, 1, steady))
            add(Point("warm-ratio", side, name, 1, [f / s for f, s in zip(first, steady)]))


def section(results: Results) -> str:
    """This benchmark's section of docs/benchmarks.md ("" when the run did not measure it)."""
    models = sorted({p.model for p in results.points if p.suite == "warm-ratio"})
    if not models:
        return ""
    out = [SECTION, ""]
    w = out.append
    w(
        f"Written by `bench/warm_start.py` ({results.info.get('measured_at', '')}; `bench/run.py` runs it too), "
        f"load average (1, 5, 15 min) {results.info.get('load_start', '')} at the start. Each sample is a fresh "
        "process: the load is timed, then 30,000 calls of one row, one by one. *First calls* is the median of "
        "the first 300 calls after the load returns, *steady* the median of the last 10,000; the ratio of the "
        "two is DESIGN.md's target (≤ 1.5x). Medians over the runs, with the runs' ratios in brackets. The "
        "JVM's own start (about a second from Python) is not in the Python load, which starts it first."
    )
    w("")
    w("| model | side | load | first calls | steady | first / steady | target ≤ 1.5x |")
    w("|---|---|---:|---:|---:|---:|---|")
    for model in models:
        for side, label in SIDES.items():
            pts = {s: results.get(s, side, 1, model) for s in ("warm-load", "warm-first", "warm-steady", "warm-ratio")}
            if any(p is None for p in pts.values()):
                continue
            load, first, steady, ratio = (p for p in pts.values() if p is not None)
            runs = ", ".join(f"{v:.2f}" for v in ratio.samples)
            judged = side in ("jinfer-java", "jinfer-python")  # the target is the default's
            met = ("yes" if ratio.median <= 1.5 else "**no**") if judged else "—"
            w(
                f"| `{model}` | {label} | {duration(load.median)} | {duration(first.median)} | "
                f"{duration(steady.median)} | **{ratio.median:.2f}x** ({runs}) | {met} |"
            )
    w("")
    return "\n".join(out) + "\n"


def record(results: Results, page: Path) -> None:
    """This run's section into ``page`` (``docs/benchmarks.md``) when it measured it; a run of other
    suites keeps the last one."""
    write_marked_section(page, "warm-bench", section(results))


SUITE = Suite("warm-start", run)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="samples of each side, interleaved")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md is")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)  # one Python sample: SIDE BUNDLE [WARMUP]
    args = p.parse_args(argv)
    if args.child:
        side, bundle, *warm = args.child
        child(side, bundle, int(warm[0]) if warm and int(warm[0]) >= 0 else None)
        return 0
    import jinfer
    from models import make_models

    config = Config.quick()
    config = Config(**{**config.__dict__, "rounds": args.runs * 5})
    results = Results(config)
    results.info["load_start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    workdir = make_workdir()
    try:
        with jinfer.jvm():
            models = make_models(workdir)
        run(Context(config, results, models, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results.info["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results.info["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    record(results, args.docs / "benchmarks.md")
    print(section(results))
    print(f"load average at start: {results.info['load_start']}; at the end: {results.info['load_end']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
