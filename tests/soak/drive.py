"""The Python side of ``make soak`` (tests/soak/run.py): Python threads predicting through JPype on
several models at once, every answer checked against a table the real model computed, and this
process's resident memory (with the JVM's committed heap and direct buffers) sampled every second.
The JVM is the one jinfer starts, with its defaults.

    python tests/soak/drive.py SECONDS THREADS OUT.json BUNDLE BACKEND TABLE.npz [BUNDLE BACKEND TABLE.npz ...]

Same tables, checks and warm-up as ``Soak.java``: the calls go on until the peak of resident memory
over 15 s is at most 1% above that of the 15 s before (30 s at least, 180 s at most), then for
SECONDS more.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import jpype
import numpy as np

import jinfer

BATCHES = [1, 1, 2, 8, 32, 128, 512]
ATOL = 1e-5
WARM_MIN_S, WARM_MAX_S, WARM_SPAN_S, WARM_FLAT = 30, 180, 15, 0.01


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def warm(samples: list[list[float]], t: float) -> bool:
    """Whether the warm-up is over at ``t``: the peak of resident memory over the last 15 s is at
    most 1% above the peak of the 15 s before, after 30 s (peaks: collections make a sawtooth)."""
    if t >= WARM_MAX_S:
        return True
    if t < WARM_MIN_S:
        return False
    recent = max(s[1] for s in samples if s[0] >= t - WARM_SPAN_S)
    before = max((s[1] for s in samples if t - 2 * WARM_SPAN_S <= s[0] < t - WARM_SPAN_S), default=0)
    return recent <= before * (1 + WARM_FLAT)


def main(argv: list[str]) -> int:
    seconds, threads, out = float(argv[0]), int(argv[1]), Path(argv[2])
    subjects: list[tuple[str, Any, dict[str, np.ndarray]]] = []
    for bundle, backend, table in zip(argv[3::3], argv[4::3], argv[5::3]):
        with np.load(table) as t:
            tables = {k: t[k] for k in t.files}
        subjects.append((f"{Path(bundle).name}:{backend}", jinfer.load(bundle, backend=backend), tables))
    counts = {"calls": 0, "rows": 0, "errors": 0, "mismatches": 0}
    first: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    deadline = [start + WARM_MAX_S + seconds]  # set again once warm (this is the latest it can be)
    warm_s = [-1.0]
    samples: list[list[float]] = []

    runtime = jpype.JClass("java.lang.Runtime").getRuntime()
    pools = jpype.JClass("java.lang.management.ManagementFactory").getPlatformMXBeans(
        jpype.JClass("java.lang.management.BufferPoolMXBean")
    )
    direct = next(p for p in pools if str(p.getName()) == "direct")

    def sample() -> None:
        while time.monotonic() < deadline[0]:
            t = time.monotonic() - start
            samples.append([round(t, 3), rss_kb(), runtime.totalMemory() >> 10, direct.getMemoryUsed() >> 10])
            if warm_s[0] < 0 and warm(samples, t):
                warm_s[0] = t
                deadline[0] = time.monotonic() + seconds
            time.sleep(1.0)

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        mine = dict.fromkeys(counts, 0)
        problem = None
        while time.monotonic() < deadline[0]:
            name, model, t = subjects[rng.integers(len(subjects))]
            n = len(t["label"])
            batch = min(n, int(rng.choice(BATCHES)))
            at = int(rng.integers(n - batch + 1))
            try:
                got = model.predict(t["features"][at : at + batch])
                wrong = not np.array_equal(got["label"], t["label"][at : at + batch]) or not np.allclose(
                    got["probabilities"], t["probabilities"][at : at + batch], rtol=0, atol=ATOL
                )
                if wrong:
                    mine["mismatches"] += 1
                    problem = problem or f"{name}: rows {at}..{at + batch} differ from the table"
            except Exception as e:  # noqa: BLE001 - every failure is counted and the first one shown
                mine["errors"] += 1
                problem = problem or f"{name}: {type(e).__name__}: {e}"
            mine["calls"] += 1
            mine["rows"] += batch
        with lock:
            for k, v in mine.items():
                counts[k] += v
            if problem:
                first.append(problem)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    workers = [threading.Thread(target=work, args=(100 + i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sampler.join(2)
    for _, model, _ in subjects:
        model.close()
    report = {
        "threads": threads,
        "models": [name for name, _, _ in subjects],
        **counts,
        "first_problem": first[0] if first else None,
        "warm_s": round(warm_s[0], 3),
        "rss_kb": samples,
    }
    out.write_text(json.dumps(report) + "\n")
    print(f"soak (python): calls={counts['calls']} errors={counts['errors']} mismatches={counts['mismatches']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
