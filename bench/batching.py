"""The micro-batching benchmark (``make bench-batching``): 64 Java threads each predicting 1 row.

On bench/models.py's 100-tree forest, ``io.jinfer.bench.BatchingBench`` (java/src/bench/java)
runs rounds of the plain ``Model`` and of ``BatchingModel.wrap(model, 64, 2 ms)``, interleaved,
and reports rows/s, the median and p99 of a call, the rows per backend call, and one batch's
compute (the plain model, one thread, at the mean batch the wrapper made). issue 17's targets:
rows/s ≥ 3x without batching; p99 ≤ maxDelay + 2 x one batch's compute.

    .venv/bin/python bench/batching.py                 # the run, about a minute
    .venv/bin/python bench/batching.py --round-ms 100 --rounds 1   # a smoke run

Prints the JSON the harness writes (also kept in ``build/bench/batching.json``), with the
machine's load average before and after.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from anchors import build_java_harness
from common import ROOT, log
from models import make_models


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=64)
    p.add_argument("--max-batch", type=int, default=64)
    p.add_argument("--max-delay-ms", type=float, default=2.0)
    p.add_argument("--round-ms", type=int, default=2000, help="the length of one timed round")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds of each mode")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "batching.json")
    args = p.parse_args(argv)
    cp = build_java_harness()
    work = Path(tempfile.mkdtemp(prefix="jinfer-batching-"))
    try:
        rf = make_models(work, only=("rf",))["rf"]
        cmd = [
            "java",
            "-cp",
            cp,
            "io.jinfer.bench.BatchingBench",
            "--bundle",
            f"rf={rf.bundle}",
            "--threads",
            str(args.threads),
            "--max-batch",
            str(args.max_batch),
            "--max-delay-ms",
            str(args.max_delay_ms),
            "--round-ms",
            str(args.round_ms),
            "--rounds",
            str(args.rounds),
            "--out",
            str(args.out),
        ]
        log("Java harness: " + " ".join(cmd[3:]))
        subprocess.run(cmd, cwd=work, check=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
