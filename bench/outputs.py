"""Reused outputs (issue 17, item 2): how jinfer's Java ONNX backend should hold its outputs.

On a logistic regression (bench/models.py's data, ONNX only), ``io.jinfer.bench.OutputsBench``
(java/src/bench/java) measures, with default JVM flags:

- ``ratios``: six ways to get one batch's outputs, interleaved at each batch size, as ratios to
  raw ONNX Runtime Java with the runtime's own outputs;
- ``loop``: a plain Java loop of batch-10,000 calls for ``--seconds``, one process per way, while
  this script samples the process's resident memory (``VmRSS`` in ``/proc/PID/status``).

    .venv/bin/python bench/outputs.py                       # about 5 minutes
    .venv/bin/python bench/outputs.py --seconds 5 --batches 1,10000 --loops run   # a smoke run

Writes ``build/bench/outputs.json``, the plot ``docs/bench/outputs-rss.png`` and its section of
``docs/benchmarks.md`` (``make bench-outputs``; bench/run.py keeps it), with the machine's load
average and issue 17's two targets judged: ``Model.run`` ≤ 1.05x raw ORT Java at every batch size,
and the 60 s loop under 400 MB resident and flat after warm-up.
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
from common import ROOT, log, write_marked_section
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


RSS_LIMIT_MIB = 400 * 1e6 / 2**20  # issue 17: "under 400 MB"
WARM_S = 10.0  # the loop's first seconds are warm-up: flat is judged after them


def verdicts(result: dict[str, Any]) -> list[str]:
    """Issue 17 item 2's targets, judged on this run: one line each."""
    out = []
    ratios = result.get("ratios", {})
    if ratios and all("run" in per for per in ratios.values()):
        worst = max(ratios, key=lambda b: statistics.median(ratios[b]["run"]) / statistics.median(ratios[b]["ort"]))
        r = statistics.median(ratios[worst]["run"]) / statistics.median(ratios[worst]["ort"])
        nocheck = ""
        if "run-nocheck" in ratios[worst]:
            n = statistics.median(ratios[worst]["run-nocheck"]) / statistics.median(ratios[worst]["ort"])
            nocheck = f" (with the NaN scan off, {n:.2f}x there)"
        out.append(
            f"- `Model.run` vs raw ORT Java, worst batch size ({worst}): **{r:.2f}x**{nocheck}; target ≤ 1.05x at "
            f"every batch size: {'met' if r <= 1.05 else '**not met**'}."
        )
    loop = result.get("loops", {}).get("run")
    if loop:
        after = [s[1] for s in loop["rss_mib"] if s[0] >= WARM_S] or [s[1] for s in loop["rss_mib"]]
        met = max(after) < RSS_LIMIT_MIB and max(after) - min(after) < 0.1 * max(after)
        out.append(
            f"- `Model.run` loop, batch 10,000, default JVM flags: resident {min(after):.0f}–{max(after):.0f} MiB "
            f"after the first {WARM_S:.0f} s; target under 400 MB and flat (within 10%): "
            f"{'met' if met else '**not met**'}."
        )
    return out


def section(result: dict[str, Any], seconds: float) -> str:
    """This run's section of docs/benchmarks.md."""
    return "\n".join(
        [
            "## Reused outputs: `Model.run` against raw ONNX Runtime Java, and resident memory",
            "",
            "Written by `bench/outputs.py` (`make bench-outputs`); bench/run.py keeps it. The logistic regression "
            f"({FEATURES} float32 features), where the outputs' cost is largest beside the model's own work. Ratios "
            "are medians of interleaved rounds, each way's time over raw ORT Java's with the runtime's own outputs; "
            f"the loops ran {seconds:.0f} s each, one process per way, default JVM flags.",
            "",
            *verdicts(result),
            "",
            summary(result),
            "",
            "![resident memory over time](bench/outputs-rss.png)",
        ]
    )


def summary(result: dict[str, Any]) -> str:
    lines = [f"Load average before/after: {result['load_before']} / {result['load_after']}.", ""]
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
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md and bench/*.png go")
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
        plot(result["loops"], args.docs / "bench" / "outputs-rss.png", args.seconds)
    text = section(result, args.seconds)
    print(text)
    write_marked_section(args.docs / "benchmarks.md", "outputs-bench", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
