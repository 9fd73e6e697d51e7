"""The python backend hosted by a plain JVM (Jep), against the JPype host and FastAPI (issue 13).

    .venv/bin/python bench/jep_host.py [--quick]    # this benchmark alone: rewrites its section of
                                                    # docs/benchmarks.md, prints the ratios
    bench/run.py runs it too, as the suite ``jep-host`` (:data:`SUITE`), and puts :func:`section`
    on the page

Measured in one run, interleaved:

- one call from Java into the trivial Python model (a 1×20 float32 row, the sum of the features):
  through Jep (a plain JVM, ``io.jinfer.bench.JepBench``), through the JPype host (this process's
  JVM, ``io.jinfer.bench.Loop``) and through FastAPI on loopback; all three run the same pickled
  function, the first two from the same bundle;
- the scikit-learn forest (``rf``, its python artifact) called by 1 and 2 Java threads through Jep:
  rows/s, and the JVM's CPU time per row, which shows whether two threads thrash (more CPU per
  row) where a shared machine hides it from rows/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jinfer
from anchors import BENCH_CLASSES, build_java_harness, java_loop
from common import ROOT, Config, Point, Results, log, write_marked_section
from jinfer._bench import duration, rate, time_interleaved
from models import make_models
from suites import Context, Suite, make_workdir
from trivial import TrivialRegressor

SERIES = {"jep": "Jep host (plain JVM)", "jpype": "JPype host (run-java)", "fastapi": "FastAPI on loopback"}
CALLS = 1000  # calls of one row per crossing into a JVM (which reports nothing but the time it took)
SECTION = "## Python backend in a plain JVM (Jep)"


class JepBench:
    """A plain JVM running ``io.jinfer.bench.JepBench``, which embeds this Python through Jep."""

    def __init__(self, classpath: str, workdir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")])}
        env.pop("VIRTUAL_ENV", None)
        self.proc: subprocess.Popen[str] = subprocess.Popen(
            ["java", f"-Djinfer.python={sys.executable}", "-cp", classpath, "io.jinfer.bench.JepBench"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=workdir,
            env=env,
        )

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer:
            raise RuntimeError(f"JepBench ended on {command!r} (status {self.proc.wait()})")
        return answer

    def calls(self, name: str, n: int) -> Callable[[], object]:
        return lambda: self.ask(f"calls {name} {n}")

    def rate(self, name: str, batch: int, threads: int, ms: int) -> tuple[float, float]:
        """Rows/s, and the JVM's CPU seconds per row, of ``threads`` callers for ``ms``."""
        rows_per_s, cpu_per_row = self.ask(f"rate {name} {batch} {threads} {ms}").split()
        return float(rows_per_s), float(cpu_per_row)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def trivial_bundle(workdir: Path) -> Path:
    """The trivial model as a python artifact (its callable is FastAPI's ``trivial_model``)."""
    X = np.random.default_rng(0).normal(size=(64, 20)).astype(np.float32)
    bundle = jinfer.export(
        TrivialRegressor(),
        X,
        workdir / "trivial.jinfer",
        name="bench-trivial",
        formats=("python",),
        callable="trivial:trivial_call",
    )
    return Path(bundle.path)


def rows(batch: int) -> np.ndarray:
    """The rows JepBench predicts on: ``(i % 7) * 0.1 + j`` for row i, feature j."""
    i, j = np.meshgrid(np.arange(batch), np.arange(20), indexing="ij")
    return ((i % 7) * 0.1 + j).astype(np.float32)


def run(ctx: Context) -> None:
    """The suite: adds ``jep`` (seconds per call), ``jep-threads`` (rows/s) and ``jep-cpu`` (CPU
    seconds per row) points to ``ctx.results``."""
    c, results, workdir = ctx.config, ctx.results, ctx.workdir
    classpath = build_java_harness()
    bundle = trivial_bundle(workdir)
    rest = ctx.start_rest()
    jep = JepBench(classpath, workdir)
    try:
        jep.ask(f"load trivial {bundle}")
        jep.ask(f"load rf {ctx.models['rf'].bundle}")
        hosted = jinfer.load(bundle, trust_python=True)  # the JPype host: this CPython runs it
        calls = {
            "jep": jep.calls("trivial", CALLS),
            "jpype": java_loop(hosted, rows(1), CALLS),
            "fastapi": rest.caller("trivial", rows(1)),
        }
        log("Jep host vs JPype host vs FastAPI: one call from Java into the trivial model")
        timed = time_interleaved(calls, warmup_s=c.warmup_s * 3, block_s=c.block_s * 4, rounds=c.rounds * 2)
        for series, t in timed.items():
            per = 1 if series == "fastapi" else CALLS
            samples = [v / per for v in t.seconds]
            results.add(Point("jep", series, "trivial", 1, samples, calls_per_block=t.calls_per_block * per))
        hosted.close()
        for batch in c.thread_batches:
            log(f"Jep host, forest, batch {batch}: 1 and 2 Java threads")
            for n in (1, 2):  # warm-up: every caller's interpreter attached, the JIT done
                jep.rate("rf", batch, n, c.thread_round_ms)
            rates: dict[int, list[float]] = {1: [], 2: []}
            cpu: dict[int, list[float]] = {1: [], 2: []}
            for r in range(c.thread_rounds):
                for n in (1, 2) if r % 2 == 0 else (2, 1):
                    rows_per_s, cpu_per_row = jep.rate("rf", batch, n, c.thread_round_ms)
                    rates[n].append(rows_per_s)
                    cpu[n].append(cpu_per_row)
            for n in (1, 2):
                results.add(Point("jep-threads", "jep", "rf", n, rates[n], batch=batch))
                results.add(Point("jep-cpu", "jep", "rf", n, cpu[n], batch=batch))
    finally:
        jep.close()


SUITE = Suite("jep-host", run, needs_rest=True)


# ---------------------------------------------------------------- the figures


def ratios(results: Results) -> dict[str, float]:
    """The targets' ratios: FastAPI over Jep, Jep over the JPype host, 2 threads over 1 (per batch)."""

    def med(series: str) -> float:
        p = results.get("jep", series, 1, "trivial")
        return p.median if p else float("nan")

    out = {"fastapi/jep": med("fastapi") / med("jep"), "jep/jpype": med("jep") / med("jpype")}
    for batch in results.config.thread_batches:
        for suite, what in (("jep-threads", "rows/s"), ("jep-cpu", "CPU per row")):
            one, two = (results.get(suite, "jep", n, "rf", batch) for n in (1, 2))
            if one and two:
                out[f"2/1 threads, {what}, batch {batch}"] = two.median / one.median
    return out


def section(results: Results) -> str:
    """This benchmark's section of docs/benchmarks.md ("" when the run did not measure it)."""
    from page import figure, spread  # the page's own formats
    from targets import Figure

    if not results.series("jep", "jep", "trivial"):
        return ""
    r = ratios(results)
    out: list[str] = [SECTION, ""]
    w = out.append
    w(
        f"Written by `bench/jep_host.py` ({results.config.name} run, {results.info.get('measured_at', '')}; "
        "`bench/run.py` runs it too). A plain JVM (`java -cp ...`, no Python host) calls the python artifact "
        "of a trivial model (a 1×20 float32 row, the sum of its features) through the Jep host, interleaved "
        "with the same artifact called from Java through the JPype host and the same function behind FastAPI "
        "on loopback; then the forest's python artifact from 1 and 2 Java threads. Figures are medians, with "
        "the min – max of the samples in brackets." + _shared(results) + "\n"
    )
    w("| target | measured | figures behind it | target | met |")
    w("|---|---|---|---|---|")
    jep, jpype, api = (results.get("jep", s, 1, "trivial") for s in SERIES)
    comparisons = [
        ("One call from Java through Jep vs FastAPI on loopback", r["fastapi/jep"], (jep, api), "≥ 50x lower", 50),
        ("One call from Java through Jep vs through the JPype host", r["jep/jpype"], (jep, jpype), "≤ 1.5x", -1.5),
    ]
    for what, ratio, pts, target, limit in comparisons:
        figs = "<br>".join(figure(Figure(SERIES[p.series], p, "time")) for p in pts if p)
        met = ratio >= limit if limit > 0 else ratio <= -limit
        w(f"| {what} | **{ratio:.2f}x** | {figs} | {target} | {'yes' if met else '**no**'} |")
    for batch in results.config.thread_batches:
        one, two = (results.get("jep-threads", "jep", n, "rf", batch) for n in (1, 2))
        if one and two:
            ratio = two.median / one.median
            figs = f"{figure(Figure('2 threads', two, 'rate'))}<br>{figure(Figure('1 thread', one, 'rate'))}"
            w(
                f"| Forest through Jep, 2 Java threads vs 1, rows/s, batch {batch} | **{ratio:.2f}x** | {figs} | "
                f"≥ 1.0x, no collapse | {'yes' if ratio >= 1.0 else '**no**'} |"
            )
    w("")
    w(
        "The JVM's CPU time per row (all its threads, from `OperatingSystemMXBean.getProcessCpuTime`) tells "
        "whether two callers thrash on the GIL: it would rise with 2 threads. It does not depend on what "
        "other work takes of the machine, which rows/s does.\n"
    )
    w("| forest | CPU per row, 1 thread | CPU per row, 2 threads | 2 / 1 |")
    w("|---|---|---|---|")
    for batch in results.config.thread_batches:
        one, two = (results.get("jep-cpu", "jep", n, "rf", batch) for n in (1, 2))
        if one and two:
            w(f"| batch {batch} | {spread(one)} | {spread(two)} | {two.median / one.median:.2f} |")
    w("")
    return "\n".join(out) + "\n"


def _shared(results: Results) -> str:
    """A sentence on the machine's load at the start of the run, when other work shared it."""
    load = str(results.info.get("load_start", ""))
    try:
        busy = float(load.split(",")[0]) > 1.0
    except ValueError:
        return ""
    return (
        f" The machine's load average was {load} at the start ({os.cpu_count()} cores): other work shared it, "
        "which widens the spread and flattens the threads' scaling."
        if busy
        else ""
    )


def record(results: Results, page: Path) -> None:
    """This run's section into ``page`` (``docs/benchmarks.md``) when it measured it; a run of other
    suites keeps the last one."""
    write_marked_section(page, "jep-bench", section(results))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the short run")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md is")
    args = p.parse_args(argv)
    config = Config.quick() if args.quick else Config.full()
    results = Results(config)
    workdir = make_workdir()
    results.info["load_start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    build_java_harness()  # before the JVM starts: io.jinfer.bench.Loop goes on its classpath
    with jinfer.jvm(extra_classpath=[str(BENCH_CLASSES)]):
        ctx = Context(config, results, make_models(workdir, only=("rf",)), workdir)  # it runs on rf alone
        try:
            run(ctx)
        finally:
            ctx.stop_rest()
    results.info["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    record(results, args.docs / "benchmarks.md")
    print(f"load average at start: {results.info['load_start']}")
    for name in SERIES:
        pt = results.get("jep", name, 1, "trivial")
        print(f"{SERIES[name]:>32}: {duration(pt.median) if pt else '—'} per call")
    for batch in config.thread_batches:
        for n in (1, 2):
            pt = results.get("jep-threads", "jep", n, "rf", batch)
            cpu = results.get("jep-cpu", "jep", n, "rf", batch)
            if pt and cpu:
                print(f"   forest, batch {batch}, {n} thread(s): {rate(pt.median)}, {duration(cpu.median)} CPU per row")
    for k, v in ratios(results).items():
        print(f"{k:>40}: {v:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
