"""``make soak``: jinfer under load for ``SOAK_SECONDS`` (default 300), three processes at once.

- **java**: 8 Java threads in a plain JVM with default flags, on a logistic regression and a
  random forest, each through ONNX and PMML (``Soak.java``);
- **python**: the same four models driven from 4 Python threads through JPype (``drive.py``), in
  the JVM jinfer starts with its defaults;
- **run-java**: a python-backend model (a scikit-learn pipeline with a Python function no format
  can express) called from 4 Java threads under ``jinfer run-java`` (``Soak.java`` again).

Every call takes a random model, batch size (1 to 512 rows) and offset, and its answers are
checked against a table that the real scikit-learn model computed here, before the run. Each
process warms up first, with the same calls, until the peak of its resident memory over 15 s is at
most 1% above the peak of the 15 s before (30 s at least, 180 s at most); then it runs for
SOAK_SECONDS. It passes with zero errors and mismatches (warm-up included), and resident memory
flat after warm-up: its peak in the last minute at most 5% above its peak in the first (for runs
shorter than 5 minutes, fifths of the run instead of minutes), with default JVM flags. Peaks,
since collections make resident memory a sawtooth. The JVM's committed heap in the same windows is
reported beside it: resident memory follows it when the collector decides to grow the heap. The
figures go to ``build/soak/report.json`` and to stdout; docs/reliability.md records a full-length
run.

    python tests/soak/run.py [SECONDS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
OUT = ROOT / "build" / "soak"
sys.path.insert(0, str(ROOT / "tests" / "pyfixtures"))

import custom_models  # noqa: E402 - tests/pyfixtures, put on sys.path just above

import jinfer  # noqa: E402
from jinfer._runtime.jvm import classpath  # noqa: E402

MAX_GROWTH = 0.05


def tables_and_bundles() -> dict[str, tuple[Path, Path]]:
    """Each model exported (ONNX and PMML, or python), and its table: features, and the labels and
    probabilities scikit-learn gives on them. Rows where two classes are within 1e-4 of each
    other are left out, so that a label is the same whatever the float precision."""
    from sklearn.datasets import load_iris, make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X_iris, y_iris = load_iris(return_X_y=True)
    X_bin, y_bin = make_classification(n_samples=2000, n_features=12, n_informative=6, random_state=7)
    jobs = {
        "logreg": (LogisticRegression(max_iter=1000).fit(X_iris, y_iris), X_iris, ("onnx", "pmml")),
        "forest": (RandomForestClassifier(n_estimators=100, random_state=0).fit(X_bin, y_bin), X_bin, ("onnx", "pmml")),
        "custom": (custom_models.custom_pipeline(X_iris, y_iris), X_iris, ("python",)),
    }
    out = {}
    for name, (model, X, formats) in jobs.items():
        bundle = jinfer.export(model, X, OUT / f"{name}.jinfer", name=name, formats=formats).path
        rows = np.repeat(X, -(-2000 // len(X)), axis=0)[:2000]
        features = (rows + rng.normal(0, 0.05 * X.std(axis=0), rows.shape)).astype(np.float32)
        proba = model.predict_proba(features)
        top2 = np.sort(proba, axis=1)[:, -2:]
        keep = top2[:, 1] - top2[:, 0] > 1e-4
        table = OUT / f"{name}.npz"
        labels = model.classes_[np.argmax(proba[keep], axis=1)].astype(np.int64)
        np.savez(table, features=features[keep], label=labels, probabilities=proba[keep].astype(np.float64))
        out[name] = (bundle, table)
    return out


def compile_soak() -> Path:
    classes = OUT / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    cp = os.pathsep.join(classpath())
    subprocess.run(["javac", "--release", "17", "-d", str(classes), "-cp", cp, str(HERE / "Soak.java")], check=True)
    return classes


def rss_figures(samples: list[list[float]], warm_s: float, seconds: float) -> dict[str, Any]:
    """Resident memory at the start, after warm-up and at the end, and its growth from the first
    window of the measured run to the last."""
    window = min(60.0, seconds / 5)
    measured = [(s[0] - warm_s, s[1], s[2]) for s in samples if warm_s >= 0 and s[0] >= warm_s]
    first = [(kb, heap) for t, kb, heap in measured if t < window]
    last = [(kb, heap) for t, kb, heap in measured if t >= seconds - window]
    if not first or not last:
        return {"growth": None}
    a, b = max(kb for kb, _ in first), max(kb for kb, _ in last)
    return {
        "warm_s": warm_s,
        "window_s": window,
        "start_mb": round(samples[0][1] / 1024, 1),
        "warm_mb": round(measured[0][1] / 1024, 1),
        "first_window_mb": round(a / 1024, 1),
        "last_window_mb": round(b / 1024, 1),
        "end_mb": round(samples[-1][1] / 1024, 1),
        "peak_mb": round(max(s[1] for s in samples) / 1024, 1),
        "growth": round(b / a - 1, 4),
        # the JVM's committed heap, which resident memory follows when the collector grows it
        "heap_first_window_mb": round(max(h for _, h in first) / 1024, 1),
        "heap_last_window_mb": round(max(h for _, h in last) / 1024, 1),
    }


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else float(os.environ.get("SOAK_SECONDS", 300))
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"== soak: {seconds:.0f} s; exporting the models and computing their tables", flush=True)
    made = tables_and_bundles()
    classes = compile_soak()
    (lr, lr_t), (forest, forest_t), (custom, custom_t) = made["logreg"], made["forest"], made["custom"]
    mixed = [str(a) for b, t in ((lr, lr_t), (forest, forest_t)) for be in ("onnx", "pmml") for a in (b, be, t)]
    java = str(Path(os.environ["JAVA_HOME"], "bin", "java")) if os.environ.get("JAVA_HOME") else "java"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "pyfixtures"), str(HERE)])}
    cp = os.pathsep.join([*classpath(), str(classes)])
    s = f"{seconds:g}"
    commands = {
        "java": [java, "-cp", cp, "Soak", s, "8", str(OUT / "java.json"), *mixed],  # default JVM flags
        "python": [sys.executable, str(HERE / "drive.py"), s, "4", str(OUT / "python.json"), *mixed],
        "run-java": [
            *(sys.executable, "-m", "jinfer", "run-java", "-cp", str(classes), "Soak", s, "4"),
            *(str(OUT / "run-java.json"), str(custom), "python", str(custom_t)),
        ],
    }
    print(f"== soak: {', '.join(commands)} for {seconds:.0f} s, at once", flush=True)
    began = time.monotonic()
    procs = {k: subprocess.Popen(c, env=env, cwd=OUT) for k, c in commands.items()}
    codes = {k: p.wait() for k, p in procs.items()}
    report: dict[str, Any] = {"seconds": seconds, "wall_s": round(time.monotonic() - began, 1), "parts": {}}
    ok = True
    for part, code in codes.items():
        path = OUT / f"{part}.json"
        if code != 0 or not path.is_file():
            print(f"soak {part}: the process failed with exit {code}")
            ok = False
            continue
        r = json.loads(path.read_text())
        figures = {k: r[k] for k in ("threads", "models", "calls", "rows", "errors", "mismatches", "first_problem")}
        figures["rss"] = rss_figures(r["rss_kb"], r["warm_s"], seconds)
        report["parts"][part] = figures
        growth = figures["rss"]["growth"]
        good = r["errors"] == 0 and r["mismatches"] == 0 and r["calls"] > 0 and growth is not None
        good = good and growth <= MAX_GROWTH
        ok = ok and good
        rss = figures["rss"]
        print(
            f"soak {part}: {'PASS' if good else 'FAIL'}: {r['calls']} calls ({r['rows']} rows), "
            f"{r['errors']} errors, {r['mismatches']} mismatches; RSS {rss.get('start_mb')} MB at start, "
            f"{rss.get('warm_mb')} MB after {rss.get('warm_s')} s of warm-up, "
            f"{rss.get('first_window_mb')} -> {rss.get('last_window_mb')} MB (first -> last window, "
            f"growth {growth if growth is None else f'{growth:+.1%}'}), {rss.get('end_mb')} MB at the end; "
            f"committed heap {rss.get('heap_first_window_mb')} -> {rss.get('heap_last_window_mb')} MB"
            + (f"; first problem: {r['first_problem']}" if r["first_problem"] else "")
        )
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"== soak: {'PASS' if ok else 'FAIL'}; figures in {OUT / 'report.json'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
