"""``jinfer bench``: how fast a bundle predicts through the Java code path, on inputs made for it.

    rows = bench_bundle("churn.jinfer", batches=(1, 64, 1024), threads=1, backend=None)
    print(format_rows(rows, title="churn"))

Inputs are the bundle's parity sample tiled to each batch size, or, without one, values drawn
from the input specs (dtype and shape, a dynamic inner dimension taken as 1). Each batch size is
warmed up, then timed over ``rounds`` rounds of a fixed number of calls (about ``round_s``
seconds' worth): ``threads`` Python threads call ``predict`` on one shared model, each call
timed on its own. A row gives the latency of one call (median, min, max over every call) and the
rows per second (the median over the rounds of rows done divided by wall time).

:func:`time_interleaved` is the careful side-by-side timer that ``bench/run.py`` uses for its
ratios: warm-up, blocks of calls, and rounds in rotated order so noise hits every side alike.
:func:`duration`, :func:`rate` and :func:`size` are the one way both print their figures.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from ._bundle import Bundle
from ._manifest import TensorSpec
from ._runtime.model import load

__all__ = [
    "BenchRow",
    "Timing",
    "bench_bundle",
    "duration",
    "format_rows",
    "make_inputs",
    "parse_batches",
    "rate",
    "size",
    "time_interleaved",
]


# ---------------------------------------------------------------- the side-by-side timer


@dataclass(frozen=True)
class Timing:
    """Seconds per call of one timed call: one sample per block (or per call), and the block size."""

    calls_per_block: int
    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return float(statistics.median(self.seconds))

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def max(self) -> float:
        return max(self.seconds)


def time_interleaved(
    calls: Mapping[str, Callable[[], object]],
    *,
    warmup_s: float = 0.2,
    block_s: float = 0.05,
    rounds: int = 10,
    max_calls_per_block: int | Mapping[str, int] = 1_000_000,
    per_call: bool = False,
    on_round: Callable[[int], None] | None = None,
) -> dict[str, Timing]:
    """Time several calls side by side; returns a :class:`Timing` per name, in the same order.

    Each call runs for ``warmup_s`` (at least 3 times), then gets a block size that makes a block
    last about ``block_s``. Each of ``rounds`` rounds runs one block of every call, in an order
    rotated every round (A B C, B C A, ...), so that noise longer than a block hits all alike.
    A sample is a block's time divided by its calls; with ``per_call``, every call is timed on
    its own and each is a sample (for calls whose outliers matter, such as a collector's pause).
    ``max_calls_per_block`` bounds a block, for every call or by name.
    """
    names = list(calls)
    sizes: dict[str, int] = {}
    for name in names:
        one = _warm_up(calls[name], warmup_s, block_s)
        cap = max_calls_per_block if isinstance(max_calls_per_block, int) else max_calls_per_block[name]
        sizes[name] = int(max(1, min(cap, round(block_s / max(one, 1e-9)))))
    samples: dict[str, list[float]] = {n: [] for n in names}
    clock = time.perf_counter
    for r in range(rounds):
        for i in range(len(names)):
            name = names[(i + r) % len(names)]
            fn, n = calls[name], sizes[name]
            if per_call:
                out = samples[name]
                for _ in range(n):
                    t0 = clock()
                    fn()
                    out.append(clock() - t0)
                continue
            t0 = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - t0) / n)
        if on_round is not None:
            on_round(r)
    return {n: Timing(sizes[n], tuple(samples[n])) for n in names}


def _warm_up(fn: Callable[[], object], warmup_s: float, block_s: float) -> float:
    """Run ``fn`` for ``warmup_s`` (at least 3 calls); return the median seconds of one call over a
    short tail (the median, so that one collector pause does not make the blocks tiny)."""
    clock = time.perf_counter
    start = clock()
    calls = 0
    last = 0.0
    while calls < 3 or clock() - start < warmup_s:
        t0 = clock()
        fn()
        last = clock() - t0
        calls += 1
    tail = []
    for _ in range(int(max(3, min(1000, (block_s / 4) / max(last, 1e-9))))):
        t0 = clock()
        fn()
        tail.append(clock() - t0)
    return float(statistics.median(tail))


# ---------------------------------------------------------------- inputs


def make_inputs(
    specs: Sequence[TensorSpec], sample: Mapping[str, np.ndarray], batch: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """One C-contiguous array per input spec with ``batch`` rows.

    The rows of ``sample`` (the parity sample) are repeated when it has every input with a
    matching rank; otherwise values are drawn for each spec's dtype and shape.
    """
    usable = bool(sample) and all(
        s.name in sample and sample[s.name].ndim == len(s.shape) and len(sample[s.name]) > 0 for s in specs
    )
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for spec in specs:
        if usable:
            src = sample[spec.name]
            out[spec.name] = np.ascontiguousarray(np.take(src, np.arange(batch) % len(src), axis=0))
            continue
        shape = (batch, *(d if d >= 0 else 1 for d in spec.shape[1:]))
        out[spec.name] = _draw(spec.dtype, shape, rng)
    return out


def _draw(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if dtype == "string":
        return np.full(shape, "a", dtype="<U1")
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(0, 10, size=shape).astype(dtype)


# ---------------------------------------------------------------- bench_bundle


@dataclass(frozen=True)
class BenchRow:
    """The figures for one batch size: latency of one call in seconds, and rows per second."""

    backend: str
    batch: int
    threads: int
    calls: int
    median_s: float
    min_s: float
    max_s: float
    rows_per_s: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bench_bundle(
    path: str | os.PathLike[str],
    batches: Sequence[int] = (1, 64, 1024),
    threads: int = 1,
    backend: str | None = None,
    *,
    rounds: int = 10,
    round_s: float = 0.1,
    warmup_s: float = 0.3,
    progress: bool | None = None,
    trust_python: bool = False,
    warmup: int | None = None,
) -> list[BenchRow]:
    """Latency and rows/s of ``jinfer.load(path, backend).predict`` at each batch size.

    ``threads`` Python threads predict at once on one shared model (JPype lets them run in the
    JVM together). ``progress`` draws a bar on stderr; by default only when stderr is a terminal.
    ``trust_python`` allows a python artifact to be unpickled, and ``warmup`` sets the warm-up at
    load, as in :func:`jinfer.load`.
    Raises :class:`ValueError` for a batch size or thread count below 1.
    """
    if threads < 1:
        raise ValueError(f"threads: expected 1 or more, got {threads}")
    if not batches or any(b < 1 for b in batches):
        raise ValueError(f"batches: expected sizes of 1 or more, got {list(batches)}")
    with Bundle.open(path) as b:
        sample = b.parity_inputs()
    rows: list[BenchRow] = []
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=len(batches) * rounds, desc="bench", unit="round", file=sys.stderr, disable=not show, leave=False)
    # the inputs come from the recorded sample, which the model answered at export, NaN included
    with load(path, backend=backend, trust_python=trust_python, allow_non_finite=True, warmup=warmup) as model, bar:
        for batch in batches:
            bar.set_postfix_str(f"batch {batch}")
            feeds = [make_inputs(model.inputs, sample, batch, seed=t) for t in range(threads)]
            done, wall, _ = _run_threads(model.predict, feeds, duration_s=warmup_s)
            each = max(1, round(round_s * done / threads / wall))
            latencies: list[float] = []
            rates: list[float] = []
            for _ in range(rounds):
                done, wall, times = _run_threads(model.predict, feeds, calls_each=each)
                latencies.extend(times)
                rates.append(done * batch / wall)
                bar.update(1)
            rows.append(
                BenchRow(
                    model.backend,
                    batch,
                    threads,
                    len(latencies),
                    float(statistics.median(latencies)),
                    min(latencies),
                    max(latencies),
                    float(statistics.median(rates)),
                )
            )
    return rows


def _run_threads(
    predict: Callable[[Any], object],
    feeds: Sequence[Mapping[str, np.ndarray]],
    *,
    duration_s: float = 0.0,
    calls_each: int = 0,
) -> tuple[int, float, list[float]]:
    """One thread per feed calls ``predict`` on it, ``calls_each`` times or until ``duration_s``
    has passed (at least once). Returns the calls made, the wall time and each call's seconds."""
    clock = time.perf_counter
    times: list[list[float]] = [[] for _ in feeds]
    errors: list[BaseException] = []
    go = threading.Barrier(len(feeds) + 1)
    deadline = [0.0]

    def work(i: int) -> None:
        go.wait()
        mine = times[i]
        try:
            while True:
                t0 = clock()
                predict(feeds[i])
                t1 = clock()
                mine.append(t1 - t0)
                if (len(mine) >= calls_each) if calls_each else (t1 >= deadline[0]):
                    return
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(e)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(feeds))]
    for w in workers:
        w.start()
    start = clock()
    deadline[0] = start + duration_s
    go.wait()
    for w in workers:
        w.join()
    wall = clock() - start
    if errors:
        raise errors[0]
    flat = [t for per_thread in times for t in per_thread]
    return len(flat), wall, flat


def parse_batches(text: str) -> list[int]:
    """``"1,64,1024"`` as ``[1, 64, 1024]``; :class:`ValueError` names a bad entry."""
    out = []
    for part in text.split(","):
        try:
            n = int(part.strip())
        except ValueError:
            raise ValueError(f"--batch: expected comma-separated whole numbers like 1,64,1024, got {text!r}") from None
        if n < 1:
            raise ValueError(f"--batch: batch sizes must be 1 or more, got {n}")
        out.append(n)
    return out


# ---------------------------------------------------------------- printing


def format_rows(rows: Sequence[BenchRow], title: str = "") -> str:
    """The rows as a small table: batch, latency median and min–max, rows/s."""
    lines = []
    if rows:
        r0 = rows[0]
        lines.append(
            f"{title + ': ' if title else ''}{r0.backend} backend, {r0.threads} thread"
            f"{'s' if r0.threads > 1 else ''}, {os.cpu_count()} cores"
        )
    lines.append(f"{'batch':>8}  {'latency median':>14}  {'min - max':>23}  {'rows/s':>12}  {'calls':>7}")
    for r in rows:
        lines.append(
            f"{r.batch:>8}  {duration(r.median_s):>14}  "
            f"{duration(r.min_s) + ' - ' + duration(r.max_s):>23}  {r.rows_per_s:>12,.0f}  {r.calls:>7}"
        )
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """Seconds to three significant digits, in the unit that keeps the number below 1,000:
    ``850 ns``, ``12.3 µs``, ``4.56 ms``, ``1.2 s``. One rule for ``jinfer bench`` (as the Java
    CLI prints it too) and for ``docs/benchmarks.md``."""
    r = float(f"{seconds:.3g}")  # rounded first, so that 999.7 µs shows as 1 ms, not 1e+03 µs
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if abs(r) < 1000 * scale:
            return f"{r / scale:g} {unit}"
    return f"{r:g} s"


def rate(rows_per_s: float) -> str:
    """``12,345 rows/s``."""
    return f"{rows_per_s:,.0f} rows/s"


def size(n_bytes: float) -> str:
    """Bytes in decimal units: ``100 MB``, ``1 KB``, ``512 B``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:g} {unit}"
    return f"{n_bytes:g} B"
