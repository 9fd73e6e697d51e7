"""Time to first prediction (``make bench-startup``): whole processes, side by side, on the forest.

For a CLI, a batch job or a service that scales to zero, what counts is a fresh process's time to
its first answer. Each round starts, in turn:

- Python: ``jinfer.load(bundle).predict(row)`` against onnxruntime's ``InferenceSession(...).run``,
  and the floor under jinfer, ``import jinfer`` and the JVM's start with nothing loaded; jinfer's
  processes map in the class-data archive jinfer keeps (``jinfer._runtime.cds``, in a cache made
  for the run, written by one process beforehand), and one variant runs without it
  (``JINFER_CDS=0``);
- Java: ``Models.load(bundle)`` and one ``predict`` against ONNX Runtime Java's ``createSession``
  and ``run`` (``io.jinfer.bench.FirstPrediction``), and the floor, a JVM that returns at once;
- Java once more with an application class-data archive (AppCDS: ``-XX:SharedArchiveFile``, made
  beforehand by one run with ``-XX:ArchiveClassesAtExit``), which a deployment can ship.

and a breakdown of each jinfer process (Python: imports, the JVM's start, ``load``, ``predict``,
and the exit, the rest of the wall time; Java: the bundle and its manifest, ONNX Runtime's
environment, the rest of ``load``, ``predict``; the warm-up's share is the default process against
the ``warmup(0)`` one).
The figures are medians over ``--rounds`` interleaved rounds, wall time of the whole process.
DESIGN.md's targets (issue 17, item 9): ≤ 4x onnxruntime from Python, ≤ 1.2x raw ORT from Java.

Writes docs/bench/startup.json, docs/bench/startup.png and its section of docs/benchmarks.md
(between the ``startup-bench`` markers, which bench/run.py keeps).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anchors import BENCH_CLASSES, build_java_harness
from common import ROOT, log, write_marked_section

FEATURES = 20
DIST_LIB = ROOT / "build" / "install" / "jinfer" / "lib"  # the CLI distribution: jinfer and its jars
SECTION = "startup-bench"

_PY_JINFER = """
import time, json, sys
t0 = time.perf_counter()
import numpy as np, jinfer
from jinfer._runtime.jvm import start
t1 = time.perf_counter()
start()
t2 = time.perf_counter()
m = jinfer.load(sys.argv[1], **({"warmup": 0} if sys.argv[3:] == ["cold"] else {}))
t3 = time.perf_counter()
m.predict(np.zeros((1, int(sys.argv[2])), np.float32))
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "jvm_start": t2 - t1, "load": t3 - t2, "predict": t4 - t3}))
"""
_PY_ORT = """
import sys, numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
s.run(None, {s.get_inputs()[0].name: np.zeros((1, int(sys.argv[2])), np.float32)})
"""
_PY_FLOOR = "import jinfer\nfrom jinfer._runtime.jvm import start\nstart()\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    started = time.monotonic()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="jinfer-bench-startup-") as tmp:
        work = Path(tmp)
        bundle, onnx = _export(work)
        variants = _variants(work, bundle, onnx)
        for name, cmd, env in _archive_runs(work, bundle, onnx):  # each archive once, before timing
            log(f"make the class-data archive: {name}")
            subprocess.run(cmd, env=env, check=True, capture_output=True)
        results = _measure(variants, args.rounds)
    info = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rounds": args.rounds,
        "load_start": [round(x, 2) for x in load_start],
        "load_end": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    bench = args.docs / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    (bench / "startup.json").write_text(json.dumps({"info": info, "results": results}, indent=1) + "\n")
    _plot(results, bench / "startup.png")
    write_marked_section(args.docs / "benchmarks.md", SECTION, _render(results, info))
    for line in _ratios(results):
        log(line)
    return 0


def _export(work: Path) -> tuple[Path, Path]:
    """The forest of bench/models.py, exported to an ONNX bundle, and its model.onnx."""
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    import jinfer

    X, y = make_classification(n_samples=5000, n_features=FEATURES, n_informative=10, n_redundant=4, random_state=0)
    X = X.astype(np.float32)
    log("train and export rf (RandomForest, 100 trees, depth 8)")
    est = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0).fit(X, y)
    bundle = work / "rf.jinfer"
    with jinfer.export(est, X[:500], bundle, name="bench-rf", formats=("onnx",)) as b:
        onnx = work / "model.onnx"
        onnx.write_bytes(b.read_artifact(b.manifest.artifacts[0]))
    return bundle, onnx


def _java_classpath(work: Path) -> str:
    """The distribution's jars and the harness as a jar: a class-data archive takes jars only."""
    build_java_harness()
    harness = work / "harness.jar"
    with zipfile.ZipFile(harness, "w") as z:
        for cls in (BENCH_CLASSES / "io" / "jinfer" / "bench").glob("FirstPrediction*.class"):
            z.write(cls, cls.relative_to(BENCH_CLASSES).as_posix())
    return os.pathsep.join([str(harness), *sorted(str(j) for j in DIST_LIB.glob("*.jar"))])


def _variants(work: Path, bundle: Path, onnx: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What each variant runs: its command and its environment."""
    cp = _java_classpath(work)
    py = sys.executable
    env = _py_env(work)
    no_cds = {**env, "JINFER_CDS": "0"}
    java = ["java", "-cp", cp]

    def cds(name: str) -> list[str]:
        return ["java", f"-XX:SharedArchiveFile={work / name}", "-Xlog:disable", "-cp", cp]

    main = "io.jinfer.bench.FirstPrediction"
    row = str(FEATURES)
    return {
        "python: jinfer": ([py, "-c", _PY_JINFER, str(bundle), row], env),
        "python: onnxruntime": ([py, "-c", _PY_ORT, str(onnx), row], env),
        "python: import jinfer + JVM start": ([py, "-c", _PY_FLOOR], env),
        "python: jinfer, no archive": ([py, "-c", _PY_JINFER, str(bundle), row], no_cds),
        "python: jinfer, warmup=0": ([py, "-c", _PY_JINFER, str(bundle), row, "cold"], env),
        "java: jinfer": ([*java, main, "jinfer", str(bundle), row], env),
        "java: raw ORT": ([*java, main, "raw", str(onnx), row], env),
        "java: JVM start": ([*java, main, "none"], env),
        "java: jinfer parts": ([*java, main, "parts", str(bundle), row], env),
        "java: jinfer, AppCDS": ([*cds("jinfer.jsa"), main, "jinfer", str(bundle), row], env),
        "java: jinfer, warmup(0)": ([*java, main, "jinfer-cold", str(bundle), row], env),
        "java: jinfer, warmup(0), AppCDS": ([*cds("jinfer.jsa"), main, "jinfer-cold", str(bundle), row], env),
        "java: raw ORT, AppCDS": ([*cds("raw.jsa"), main, "raw", str(onnx), row], env),
    }


def _py_env(work: Path) -> dict[str, str]:
    """The environment of every variant: no JVM options, and jinfer's class-data archive on, kept
    in a cache of the run's own."""
    env = {**os.environ, "JINFER_JVM_ARGS": "", "JINFER_CACHE_DIR": str(work / "cache")}
    env.pop("JINFER_CDS", None)
    return env


def _archive_runs(work: Path, bundle: Path, onnx: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    cp = _java_classpath(work)
    main, row = "io.jinfer.bench.FirstPrediction", str(FEATURES)
    dump = "-Xlog:disable"
    py_env = _py_env(work)  # jinfer's own archive, in the run's cache

    def dumped(archive: str, *rest: str) -> list[str]:
        return ["java", f"-XX:ArchiveClassesAtExit={work / archive}", dump, "-cp", cp, main, *rest]

    return [
        ("python: jinfer", [sys.executable, "-c", _PY_JINFER, str(bundle), row], py_env),
        ("java: jinfer", dumped("jinfer.jsa", "jinfer", str(bundle), row), dict(os.environ)),
        ("java: raw ORT", dumped("raw.jsa", "raw", str(onnx), row), dict(os.environ)),
    ]


def _measure(variants: dict[str, tuple[list[str], dict[str, str]]], rounds: int) -> dict[str, Any]:
    """Wall seconds of each variant's whole process, ``rounds`` times interleaved (one warm-up
    round first: the page cache), and each jinfer process's own parts."""
    wall: dict[str, list[float]] = {name: [] for name in variants}
    parts: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for r in range(rounds + 1):
        names = list(variants)
        names = names[r % len(names) :] + names[: r % len(names)]  # rotated, round by round
        for name in names:
            cmd, env = variants[name]
            t0 = time.perf_counter()
            run = subprocess.run(cmd, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            if run.returncode != 0:
                raise RuntimeError(f"{name} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
            if r == 0:
                continue
            wall[name].append(seconds)
            last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
            if last.startswith("{") and last != "{}":
                parts[name].append(json.loads(last))
        log(f"round {r} of {rounds}" + (" (warm-up)" if r == 0 else ""))
    return {
        "wall": wall,
        "parts": {name: {k: statistics.median(p[k] for p in ps) for k in ps[0]} for name, ps in parts.items() if ps},
    }


def _med(results: dict[str, Any], name: str) -> float:
    return float(statistics.median(results["wall"][name]))


def _ratios(results: dict[str, Any]) -> list[str]:
    def m(name: str) -> float:
        return _med(results, name)

    return [
        f"Python: jinfer {m('python: jinfer'):.3f} s, onnxruntime {m('python: onnxruntime'):.3f} s: "
        f"{m('python: jinfer') / m('python: onnxruntime'):.2f}x (target ≤ 4x); without jinfer's archive "
        f"{m('python: jinfer, no archive') / m('python: onnxruntime'):.2f}x; with warmup=0 "
        f"{m('python: jinfer, warmup=0') / m('python: onnxruntime'):.2f}x",
        f"Java: jinfer {m('java: jinfer'):.3f} s, raw ORT {m('java: raw ORT'):.3f} s: "
        f"{m('java: jinfer') / m('java: raw ORT'):.2f}x (target ≤ 1.2x); both with AppCDS "
        f"{m('java: jinfer, AppCDS') / m('java: raw ORT, AppCDS'):.2f}x; with warmup(0) "
        f"{m('java: jinfer, warmup(0)') / m('java: raw ORT'):.2f}x",
    ]


def _render(results: dict[str, Any], info: dict[str, Any]) -> str:
    def m(name: str) -> float:
        return _med(results, name)

    w = results["wall"]
    rows = []
    for name, samples in w.items():
        rows.append(f"| {name} | **{statistics.median(samples):.3f} s** ({min(samples):.3f} – {max(samples):.3f}) |")
    py, java = m("python: jinfer") / m("python: onnxruntime"), m("java: jinfer") / m("java: raw ORT")
    py_no_cds = m("python: jinfer, no archive") / m("python: onnxruntime")
    java_cds = m("java: jinfer, AppCDS") / m("java: raw ORT, AppCDS")
    java_cds_vs_plain = m("java: jinfer, AppCDS") / m("java: raw ORT")
    py_cold = m("python: jinfer, warmup=0") / m("python: onnxruntime")
    java_cold = m("java: jinfer, warmup(0)") / m("java: raw ORT")
    java_cold_cds = m("java: jinfer, warmup(0), AppCDS") / m("java: raw ORT, AppCDS")
    floor_py = m("python: import jinfer + JVM start") / m("python: onnxruntime")
    pparts = dict(results["parts"].get("python: jinfer", {}))
    if pparts:  # the rest of the wall time: the JVM's shutdown and the interpreter's
        pparts["exit"] = m("python: jinfer") - sum(pparts.values())
    jparts = results["parts"].get("java: jinfer parts", {})
    warm_py = m("python: jinfer") - m("python: jinfer, warmup=0")
    warm_java = m("java: jinfer") - m("java: jinfer, warmup(0)")

    def fmt(parts: dict[str, float]) -> str:
        return ", ".join(f"{k.replace('_', ' ')} {v:.3f} s" for k, v in parts.items())

    lines = [
        "## Time to first prediction (whole processes, the forest)",
        "",
        f"<!-- Written by bench/startup.py (`make bench-startup`) on {info['measured_at']}, in "
        f"{info['elapsed_s']:.0f} s; bench/run.py keeps it. -->",
        "",
        f"Each process was started afresh, {info['rounds']} rounds interleaved after a warm-up round; figures are "
        f"medians of its wall time (min – max). Load average (1, 5, 15 min) {info['load_start']} at the start, "
        f"{info['load_end']} at the end. jinfer's Python processes map in the class-data archive jinfer keeps "
        "for the JVM it starts (written once beforehand, by the first process, as it exits; `no archive` is "
        "`JINFER_CDS=0`). The Java AppCDS rows start the JVM with an application class-data archive "
        "(`-XX:SharedArchiveFile`, made once beforehand with `-XX:ArchiveClassesAtExit`; the README's "
        "Start-up time).",
        "",
        "| process | wall time |",
        "|---|---|",
        *rows,
        "",
        "| target | measured | target | met |",
        "|---|---|---|---|",
        f"| fresh Python process, jinfer vs onnxruntime | **{py:.2f}x** (without jinfer's archive "
        f"{py_no_cds:.2f}x; with `warmup=0` {py_cold:.2f}x) | ≤ 4x | "
        f"{_met(py, 4)}; with `warmup=0` {_met(py_cold, 4)} |",
        f"| fresh JVM, jinfer vs raw ONNX Runtime Java | **{java:.2f}x** (both with AppCDS {java_cds:.2f}x; "
        f"jinfer with it against raw without {java_cds_vs_plain:.2f}x; with `warmup(0)` {java_cold:.2f}x, and "
        f"{java_cold_cds:.2f}x both with AppCDS) | ≤ 1.2x | "
        f"{_met(java, 1.2)}; with `warmup(0)` {_met(java_cold, 1.2)} |",
        "",
        f"**Where the time goes.** A jinfer Python process: {fmt(pparts)}. `import jinfer` and the JVM's start "
        f"with nothing loaded take {floor_py:.2f}x onnxruntime's whole process on their own: that is the floor of "
        "any library that runs the model in a JVM from Python. A jinfer JVM (the parts run, in the order load "
        f"pays for them): {fmt(jparts)}. The bundle and its manifest are mostly class loading and initialisation "
        "(jackson-core's streaming parser, the zip reader, SHA-256), which a class-data archive takes from a "
        "file mapped in at start rather than from the jars. The rest of the load includes the warm-up (issue "
        "17, item 4: `LoadOptions.warmup`, on by default): the default process against the `warmup(0)` one, "
        f"{warm_java:.3f} s in Java and {warm_py:.3f} s from Python. It is spent at load so that the calls after "
        "it run at steady speed (a warm-up on a thread of its own, beside the first calls, left them at 5–7x the "
        "steady state: docs/decisions.md); a process that makes one prediction and exits loads with "
        "`warmup(0)`, as `jinfer predict` does.",
        "",
        "![time to first prediction](bench/startup.png)",
    ]
    return "\n".join(lines)


def _met(ratio: float, target: float) -> str:
    return "yes" if ratio <= target else "**no**"


def _plot(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["wall"])
    med = [statistics.median(results["wall"][n]) for n in names]
    lo = [m - min(results["wall"][n]) for n, m in zip(names, med)]
    hi = [max(results["wall"][n]) - m for n, m in zip(names, med)]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colors = ["tab:blue" if n.startswith("python") else "tab:orange" for n in names]
    ax.barh(names, med, xerr=[lo, hi], color=colors, capsize=3)
    for y, v in enumerate(med):
        ax.text(v, y, f" {v:.2f} s", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds to the first prediction (median, min–max)")
    ax.set_title("A fresh process's time to its first prediction, RandomForest")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
