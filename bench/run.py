"""jinfer's benchmark: every DESIGN.md performance target measured side by side, in one run.

    .venv/bin/python bench/run.py            # `make bench`: the full run, a few minutes on 2 cores
    .venv/bin/python bench/run.py --quick    # `make bench-quick`: under two minutes

Trains the models, exports them with ``jinfer.export``, runs the suites of ``suites.SUITES``
(Python side in this process, with the JVM through JPype; the Java harness as a subprocess; the
REST anchor as a server subprocess on 127.0.0.1), then writes ``docs/benchmarks.md`` with its
plots in ``docs/bench/``, and every sample to ``build/bench/results.json``. It reports; it never
fails on a missed target.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jep_host  # bench/jep_host.py: the Jep host's suite and its section of the page
import jinfer
import warm_start  # bench/warm_start.py: load time and first calls, in fresh processes (issue 17)
from anchors import BENCH_CLASSES, build_java_harness
from common import ROOT, Config, CpuMeter, Results, log
from models import make_models
from suites import SUITES, Context, make_workdir

SUITES.append(jep_host.SUITE)  # the python backend in a plain JVM (issue 13), in a file of its own
SUITES.append(warm_start.SUITE)  # warm start (issue 17, item 4): `--only warm-start` runs it alone


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the short run (under two minutes)")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md and bench/*.png go")
    p.add_argument("--only", help="comma-separated suites to run (default: all): " + ",".join(s.name for s in SUITES))
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (bundles, logs)")
    p.add_argument(
        "--from-json",
        type=Path,
        metavar="RESULTS",
        help="measure nothing: write the page and plots again from a run's build/bench/results.json",
    )
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait, at most this long, for the machine's 1-minute load average to drop below 0.5",
    )
    args = p.parse_args(argv)
    if args.from_json:
        return _replot(args.from_json, args.docs)
    if args.wait_quiet > 0:
        _wait_quiet(args.wait_quiet)
    config = Config.quick() if args.quick else Config.full()
    only = set(args.only.split(",")) if args.only else None
    started = time.monotonic()
    results = Results(config)
    results.info["load_start"] = _load()
    workdir = make_workdir()
    log(f"{config.name} run; work in {workdir}")
    suites = [s for s in SUITES if only is None or s.name in only]
    last_rest = max((i for i, s in enumerate(suites) if s.needs_rest), default=-1)
    try:
        build_java_harness()  # before the JVM starts: its classes (io.jinfer.bench.Loop) go on its classpath
        with jinfer.jvm(extra_classpath=[str(BENCH_CLASSES)]):
            models = make_models(workdir)
            results.info["model_titles"] = [f"`{m.name}` {m.title}" for m in models.values()]
            results.info["backends"] = {m.name: list(m.backends) for m in models.values()}
            ctx = Context(config, results, models, workdir)
            try:
                for i, suite in enumerate(suites):
                    meter = CpuMeter()
                    suite.run(ctx)
                    if i == last_rest:
                        ctx.stop_rest()
                    cpu = results.info.setdefault("cpu", {})[suite.name] = meter.stop()
                    log(
                        f"suite {suite.name} done in {cpu['wall_s']:.1f} s; cores busy: {cpu['bench_cores']:.2f} "
                        f"by the benchmark, {cpu['other_cores']:.2f} by other work"
                    )
            finally:
                ctx.stop_rest()
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results.info["load_end"] = _load()
    results.info["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    import page

    written = page.write(
        results, {m.name: m.title for m in models.values()}, args.docs, elapsed_s=time.monotonic() - started
    )
    jep_host.record(results, written)
    warm_start.record(results, written)
    raw = ROOT / "build" / "bench" / "results.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        json.dumps(
            {
                "config": config.__dict__,
                "info": results.info,
                "skipped": results.skipped,
                "elapsed_s": time.monotonic() - started,
                "points": [pt.to_dict() for pt in results.points],
            },
            indent=1,
            default=str,
        )
    )
    log(f"wrote {written} and its plots in {args.docs / 'bench'}; samples in {raw}")
    _print_summary(results)
    return 0


def _replot(path: Path, docs: Path) -> int:
    import page
    from common import Point

    data = json.loads(path.read_text())
    cfg = {k: tuple(v) if isinstance(v, list) else v for k, v in data["config"].items()}
    base = Config.quick() if cfg.get("name") == "quick" else Config.full()
    results = Results(Config(**{**base.__dict__, **cfg}), info=data["info"], skipped=data.get("skipped", {}))
    for p in data["points"]:
        results.add(Point(p["suite"], p["series"], p["model"], p["x"], p["samples"], p["batch"], p["calls_per_block"]))
    titles = {t.split("`")[1]: t.split("` ", 1)[1] for t in data["info"].get("model_titles", [])}
    written = page.write(results, titles, docs, elapsed_s=data.get("elapsed_s", 0))
    jep_host.record(results, written)
    warm_start.record(results, written)
    log(f"wrote {written} again from {path}")
    return 0


def _wait_quiet(limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while os.getloadavg()[0] >= 0.5 and time.monotonic() < deadline:
        log(f"waiting for a quiet machine: load average {os.getloadavg()[0]:.2f}")
        time.sleep(10)


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _print_summary(results: Results) -> None:
    from targets import TARGETS

    for t in TARGETS:
        o = t.evaluate(results) if t.evaluate is not None and not t.pending else None
        status = "not measured" if o is None else ("met" if o.met else "MISSED")
        ratio = "" if o is None else f"{o.ratio:8.3f}"
        print(f"{status:>12} {ratio:>8}  {t.target:<12} {t.what}")


if __name__ == "__main__":
    raise SystemExit(main())
