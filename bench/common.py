"""What every part of the benchmark shares: the run's settings, its measurements, and logging."""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
METHOD_NOTES = "## How it is measured"  # the last section of docs/benchmarks.md
_T0 = time.monotonic()

# What the page and the plots call each series.
LABELS = {
    "jinfer-python": "jinfer from Python (jinfer.load(...).predict)",
    "ort-python": "onnxruntime Python (InferenceSession.run)",
    "jinfer-java": "jinfer Java (Models.load(...).predict)",
    "jinfer-java-run": "jinfer Java, Model.run (pooled outputs, the Prediction closed)",
    "ort-java": "raw ONNX Runtime Java (OrtSession.run)",
    "jinfer-pmml-java": "jinfer PMML backend, Java",
    "jpmml-java": "raw JPMML-Evaluator, Java, row by row",
    "jinfer-pmml-python": "jinfer PMML backend from Python",
    "jpmml-python": "jpmml-evaluator-python evaluateAll",
    "jinfer-pmml-loop": "jinfer PMML backend, the same Model.predict in a Java loop in Python's JVM",
    "jinfer-pybackend-java": "jinfer Python backend, called from Java",
    "sklearn": "scikit-learn predict_proba",
    "fastapi": "FastAPI + uvicorn on loopback (scikit-learn)",
    "zero-copy": "to_java, C-contiguous (zero copy)",
    "zero-copy-no-prompt": "to_java, C-contiguous, collector prompt off (diagnostic)",
    "copy-strided": "to_java, every other row (copy path)",
    "copy-fortran": "to_java, Fortran order (copy path)",
    "numpy-strided": "np.ascontiguousarray, every other row (numpy alone)",
    "numpy-fortran": "np.ascontiguousarray, Fortran order (numpy alone)",
    "from-java": "from_java (Java → numpy view)",
    "jarray": "JArray(JFloat)(ndarray) copy",
    "memcpy": "np.copyto (memcpy)",
}


def log(msg: str) -> None:
    """One progress line on stderr, with the seconds since the run started."""
    print(f"[{time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Config:
    """How long and how wide a run is. The defaults are the ``quick`` run, which fits in under two
    minutes; ``full`` takes a few."""

    name: str = "quick"
    batches: tuple[int, ...] = (1, 1024, 10_000)  # latency against batch size
    pmml_batches: tuple[int, ...] = (1, 1024)  # the batch sizes of those where PMML runs from Python
    java_pmml_batches: tuple[int, ...] = (1, 64)  # ... and in Java, against raw JPMML row by row
    sizes: tuple[int, ...] = (10**3, 10**5, 10**8)  # handover array sizes, bytes
    rounds: int = 5  # interleaved rounds per comparison
    block_s: float = 0.02  # the length of one block of calls
    warmup_s: float = 0.1
    prewarm_s: float = 0.5  # before the first batch of each model and path: JIT compilation
    java_rounds: int = 7
    java_block_ms: int = 20
    java_warmup_ms: int = 200
    thread_batches: tuple[int, ...] = (1, 64)  # batch sizes of the threads measurement
    thread_rounds: int = 3
    thread_round_ms: int = 100
    max_requests: int = 8_000  # the bound on requests sent to the REST anchor (about 1,000 a model in quick)
    rest_max_batch: int = 1024  # the largest batch sent to it (10,000 JSON rows take ~0.3 s)

    @staticmethod
    def quick() -> Config:
        return Config()

    @staticmethod
    def full() -> Config:
        return Config(
            "full",
            batches=(1, 4, 16, 64, 256, 1024, 4096, 10_000),
            pmml_batches=(1, 4, 16, 64, 256, 1024, 4096, 10_000),
            java_pmml_batches=(1, 4, 16, 64, 256, 1024),
            sizes=(10**3, 10**4, 10**5, 10**6, 10**7, 10**8),
            rounds=15,
            block_s=0.05,
            warmup_s=0.3,
            prewarm_s=2.0,
            java_rounds=21,
            java_block_ms=50,
            java_warmup_ms=500,
            thread_rounds=10,
            thread_round_ms=300,
            max_requests=80_000,
            rest_max_batch=10_000,
        )


@dataclass
class Point:
    """One measured series at one x: samples of seconds per call (or rows/s for ``threads``)."""

    suite: str  # "latency", "handover", "threads", "breakdown", ...
    series: str  # "jinfer-python", "ort-java", "zero-copy", ...
    model: str  # "rf", "logreg", or "" where no model is involved
    x: float  # batch size, bytes, or threads
    samples: list[float]
    batch: int = 0  # the batch size of a threads point
    calls_per_block: int = 1

    @property
    def median(self) -> float:
        return float(statistics.median(self.samples))

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def mean(self) -> float:
        return float(statistics.fmean(self.samples))

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "series": self.series,
            "model": self.model,
            "x": self.x,
            "batch": self.batch,
            "calls_per_block": self.calls_per_block,
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "samples": self.samples,
        }


@dataclass
class Results:
    """Every point of a run, plus what the run learnt about the machine and the versions."""

    config: Config
    points: list[Point] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # suite -> why it did not run

    def add(self, point: Point) -> None:
        self.points.append(point)

    def get(self, suite: str, series: str, x: float, model: str = "", batch: int = 0) -> Point | None:
        for p in self.points:
            if (p.suite, p.series, p.model, p.x, p.batch) == (suite, series, model, x, batch):
                return p
        return None

    def series(self, suite: str, series: str, model: str = "", batch: int = 0) -> list[Point]:
        pts = [p for p in self.points if (p.suite, p.series, p.model, p.batch) == (suite, series, model, batch)]
        return sorted(pts, key=lambda p: p.x)

    def names(self, suite: str) -> list[str]:
        seen: list[str] = []
        for p in self.points:
            if p.suite == suite and p.series not in seen:
                seen.append(p.series)
        return seen


class CpuMeter:
    """How busy the machine was while a suite ran: all CPUs (``/proc/stat``) against this process
    and its finished children (``getrusage``). The difference is other work sharing the machine."""

    def __init__(self) -> None:
        self.start = self._snapshot()

    @staticmethod
    def _snapshot() -> tuple[float, float, float, float]:
        import resource

        busy = steal = 0.0
        try:
            with open("/proc/stat") as f:
                v = [float(x) for x in f.readline().split()[1:]]
            hz = float(os.sysconf("SC_CLK_TCK"))
            busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / hz
            steal = v[7] / hz if len(v) > 7 else 0.0
        except (OSError, ValueError, IndexError):
            pass
        own = sum(
            resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
            for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return time.monotonic(), busy, own, steal

    def stop(self) -> dict[str, float]:
        """Average cores busy over the interval: in all, by this benchmark, by others, stolen."""
        t1, b1, o1, s1 = self._snapshot()
        t0, b0, o0, s0 = self.start
        wall = max(t1 - t0, 1e-9)
        busy, own = b1 - b0, min(o1 - o0, b1 - b0)  # a child's CPU time is counted when it ends
        return {
            "wall_s": wall,
            "busy_cores": busy / wall,
            "bench_cores": own / wall,
            "other_cores": max(0.0, busy - own) / wall,
            "steal_cores": (s1 - s0) / wall,
        }


def write_marked_section(page: Path, name: str, body: str) -> None:
    """A section of ``page`` (docs/benchmarks.md) that a benchmark other than bench/run.py's main
    suites owns: ``body`` goes between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``, in place of
    the old one, or else before the page's method notes. An empty ``body`` (the run did not measure
    it) keeps the old one. bench/run.py keeps every such section when it writes the page anew."""
    if not body:
        return
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body.strip()}\n{end}"
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = before_method_notes(text, section + "\n\n")
    page.write_text(text, encoding="utf-8")


def before_method_notes(text: str, insert: str) -> str:
    """``text`` with ``insert`` put before its "How it is measured" section, or at its end."""
    anchor = text.find(METHOD_NOTES)
    return text[:anchor] + insert + text[anchor:] if anchor >= 0 else text.rstrip("\n") + "\n\n" + insert
