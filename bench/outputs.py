"""Reused outputs (issue 17, item 2): how jinfer's Java ONNX backend should hold its outputs.

On a logistic regression (bench/models.py's data, ONNX only), ``io.jinfer.bench.OutputsBench``
(java/src/bench/java) measures, with default JVM flags:

- ``ratios``: six ways to get one batch's outputs, interleaved at each batch size, as ratios to
  raw ONNX Runtime Java with the runtime's own outputs;
- ``loop``: a plain Java loop of batch-10,000 calls for ``--seconds``, one process per way, while
  this script samples the process's resident memory (``VmRSS`` in ``/proc/PID/status``).

    .venv/bin/python bench/outputs.py                       # about 5 minutes
    .venv/bin/python bench/outputs.py --seconds 5 --batches 1,10000 --loops run   # a smoke run

Writes ``build/bench/outputs.json`` and the plot ``docs/bench/outputs-rss.png``, and prints a
Markdown summary with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import jinfer
from anchors import build_java_harness
from common import ROOT, log
from models import FEATURES

TITLES = {
    "ort": "raw ORT Java, the runtime's outputs (anchor)",
    "ort-copy": "raw ORT Java, outputs copied to heap arrays",
    "ort-pinned": "raw ORT Java, pinned outputs allocated once",
    "predict": "jinfer Model.predict (fresh direct buffers)",
    "run": "jinfer Model.run (pooled buffers, closed)",
    "run-nocheck": "jinfer Model.run, NaN scan off",
}


def logreg_bundle(work: Path) -> Path:
    X, y = make_classification(n_samples=5000, n_features=FEATURES, n_informative=10, n_redundant=4, random_state=0)
    X = X.astype(np.float32)
    est = LogisticRegression(max_iter=1000).fit(X, y)
    out = work / "logreg.jinfer"
    jinfer.export(est, X[:500], out, name="bench-logreg", version="1.0.0", formats=("onnx",)).close()
    return out


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def loop(cp: str, way: str, bundle: Path, seconds: float, batch: int) -> dict[str, Any]:
    """One way in a Java loop; RSS sampled every 0.25 s from the moment the loop starts."""
    cmd = ["java", "-cp", cp, "io.jinfer.bench.OutputsBench", "loop", way, str(bundle), str(seconds), str(batch)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []  # seconds, RSS MiB
    progress: list[tuple[float, int]] = []  # seconds, calls so far
    memory: list[tuple[float, ...]] = []  # seconds, heap used, committed, direct MiB, collections
    started = threading.Event()
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if parts[0] == "start":
                started.set()
            elif parts[0] == "done":
                progress.append((float("nan"), int(parts[1])))
            else:
                progress.append((float(parts[0]), int(parts[1])))
                memory.append((float(parts[0]), *map(float, parts[2:6])))
        started.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    started.wait()
    t0 = time.monotonic()
    while not done.is_set():
        kib = rss_kib(proc.pid)
        if kib is not None:
            samples.append((time.monotonic() - t0, kib / 1024))
        time.sleep(0.25)
    if proc.wait() != 0:
        raise RuntimeError(f"{way} loop failed ({proc.returncode})")
    calls = progress[-1][1]
    return {"rss_mib": samples, "calls": calls, "calls_per_s": calls / seconds, "jvm_memory_mib": memory}


def plot(loops: dict[str, dict[str, Any]], out: Path, seconds: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for way, r in loops.items():
        t = [s[0] for s in r["rss_mib"]]
        m = [s[1] for s in r["rss_mib"]]
        ax.plot(t, m, label=f"{TITLES[way]} ({r['calls_per_s']:.0f} calls/s)")
    ax.axhline(400, color="grey", linestyle=":", label="400 MB target")
    ax.set_yscale("log")
    ax.set_xlabel("seconds into the loop")
    ax.set_ylabel("resident memory (MiB, log)")
    ax.set_title(f"Java loop, logistic regression, batch 10,000, default JVM flags, {seconds:.0f} s")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def summary(result: dict[str, Any]) -> str:
    lines = [f"load average before/after: {result['load_before']} / {result['load_after']}", ""]
    ratios = result.get("ratios", {})
    if ratios:
        ways = list(next(iter(ratios.values())))
        lines.append("| batch | " + " | ".join(ways) + " |")
        lines.append("|---" * (len(ways) + 1) + "|")
        for batch, per in ratios.items():
            anchor = statistics.median(per["ort"])
            cells = [f"{statistics.median(per[w]) / anchor:.2f}x" for w in ways]
            lines.append(f"| {batch} (ort {anchor * 1e6:.1f} µs) | " + " | ".join(cells) + " |")
        lines.append("")
    for way, r in result.get("loops", {}).items():
        m = [s[1] for s in r["rss_mib"]]
        after = [s[1] for s in r["rss_mib"] if s[0] >= 10]
        lines.append(
            f"- {way}: {r['calls_per_s']:.0f} calls/s; RSS max {max(m):.0f} MiB,"
            f" 10 s→end {min(after or m):.0f}–{max(after or m):.0f} MiB, last {m[-1]:.0f} MiB"
        )
        if r["jvm_memory_mib"]:
            _, used, committed, direct, gcs = r["jvm_memory_mib"][-1]
            peak = max(x[3] for x in r["jvm_memory_mib"])
            lines.append(
                f"  at the end: heap {used:.0f}/{committed:.0f} MiB used/committed, direct {direct:.0f} MiB"
                f" (peak {peak:.0f}), {gcs:.0f} collections"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batches", default="1,256,1024,10000")
    p.add_argument("--seconds", type=float, default=60.0, help="the length of each loop")
    p.add_argument("--loops", default="run,ort,predict", help="the ways to loop, in turn")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "outputs.json")
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "bench" / "outputs-rss.png")
    args = p.parse_args(argv)
    cp = build_java_harness()
    work = Path(tempfile.mkdtemp(prefix="jinfer-outputs-"))
    result: dict[str, Any] = {"load_before": os.getloadavg()}
    try:
        bundle = logreg_bundle(work)
        if args.batches:
            log(f"ratios at batches {args.batches}")
            raw = work / "ratios.json"
            cmd = ["java", "-cp", cp, "io.jinfer.bench.OutputsBench", "ratios", str(bundle), args.batches, str(raw)]
            subprocess.run(cmd, check=True)
            result["ratios"] = json.loads(raw.read_text())
        result["loops"] = {}
        for way in filter(None, args.loops.split(",")):
            log(f"loop {way}, {args.seconds:.0f} s")
            result["loops"][way] = loop(cp, way, bundle, args.seconds, 10_000)
        result["load_after"] = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    if result["loops"]:
        plot(result["loops"], args.plot, args.seconds)
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
