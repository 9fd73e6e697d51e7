"""``docs/benchmarks.md`` from a run's :class:`Results`: the targets table and the notes on the gaps,
the machine, a table per suite and how it is measured; :func:`write` draws the plots beside it."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import plots
from common import LABELS, Point, Results, before_method_notes
from gaps import gap_notes
from jinfer._bench import duration, rate, size
from provenance import machine, versions
from suites import PENDING
from targets import TARGETS, Figure


def spread(p: Point) -> str:
    """``median (min – max)`` of seconds."""
    return f"{duration(p.median)} ({duration(p.min)} – {duration(p.max)})"


def figure(f: Figure) -> str:
    p = f.point
    if f.unit == "batch-rate":
        return (
            f"{f.label}: **{rate(f.batch / p.median)}** ({rate(f.batch / p.max)} – {rate(f.batch / p.min)}), "
            f"{duration(p.median)} per call"
        )
    show = duration if f.unit == "time" else rate
    return f"{f.label}: **{show(p.median)}** ({show(p.min)} – {show(p.max)})"


def write(results: Results, models: dict[str, str], docs: Path, *, elapsed_s: float) -> Path:
    img = docs / "bench"
    img.mkdir(parents=True, exist_ok=True)
    plots.plot_latency(results, models, img / "latency.png")
    plots.plot_handover(results, img / "handover.png")
    plots.plot_threads(results, img / "threads.png")
    page = docs / "benchmarks.md"
    kept = _kept_sections(page)  # what other benches (bench/mojo.py, spark.py, ...) wrote into the page
    page.write_text(before_method_notes(render(results, models, elapsed_s=elapsed_s), kept), encoding="utf-8")
    return page


def _kept_sections(page: Path) -> str:
    """The page's sections that other benchmarks own, between ``<!-- NAME:start -->`` and
    ``<!-- NAME:end -->`` markers, to write back after this run's."""
    import re

    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    found = re.findall(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", text, flags=re.DOTALL)
    blocks = [re.search(rf"<!-- {n}:start -->.*?<!-- {n}:end -->", text, flags=re.DOTALL) for n in found]
    return "".join(f"{b.group(0)}\n\n" for b in blocks if b)


def render(results: Results, models: dict[str, str], *, elapsed_s: float) -> str:
    c = results.config
    when = results.info.get("measured_at") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out: list[str] = []
    w = out.append
    w("# Benchmarks\n")
    w(
        f"Written by `bench/run.py` ({'`make bench-quick`' if c.name == 'quick' else '`make bench`'}, "
        f"the **{c.name}** run) on {when}, in {elapsed_s:.0f} s. Do not edit by hand: run `make bench` "
        "(a few minutes) or `make bench-quick` (under two minutes) and commit the page with its plots. "
        "How it measures is at the [end](#how-it-is-measured).\n"
    )
    cpu = results.info.get("cpu", {})
    other = {k: v.get("other_cores", 0.0) for k, v in cpu.items()}
    if other and max(other.values()) > 0.3:
        worst = max(other, key=lambda k: other[k])
        w(
            f"> **This run shared the machine.** Other work used up to {other[worst]:.2f} of the "
            f"{os.cpu_count()} cores on average (suite `{worst}`; every suite is in the table under "
            "[Machine and versions](#machine-and-versions)). Interleaving keeps each ratio fair, but the "
            "spread is wider and the threads rows cannot show scaling without a free core. For figures to "
            "rely on, run `make bench` on an idle machine (`bench/run.py --wait-quiet 600` waits for one).\n"
        )
    w("## Targets (DESIGN.md)\n")
    w(
        "Each ratio is measured side by side in one run, interleaved. Figures are medians, with the "
        "min – max of the samples in brackets. A target of a model's speed is judged on every bench model "
        "(`every model:` lists their ratios) and shows the worst; a model is missing from a row where its "
        "bundle lacks the backend. The handover and copy rows measure arrays, not a model; the "
        "`Model.predict` copy rows use `logreg`, the Python-backend row its trivial model.\n"
    )
    w("| target | measured | figures behind it | target | met |")
    w("|---|---|---|---|---|")
    missed = []
    for t in TARGETS:
        if t.pending or t.evaluate is None:
            w(f"| {t.what} | — | {t.pending} | {t.target} | not measured |")
            continue
        o = t.evaluate(results)
        if o is None:
            w(f"| {t.what} | — | not measured in this run | {t.target} | not measured |")
            continue
        figs = "<br>".join(figure(f) for f in o.figures)
        if t.key == "handover-100mb":
            shown = f"{duration(o.figures[0].point.median)} ({o.ratio:.2f} of the limit)"
        elif t.key.startswith(("copy", "from")):
            shown = f"{o.ratio:.2f} of memcpy"
        elif t.key in ("threads-1", "threads-64"):
            shown = f"{o.ratio:.2f} of raw ORT's scaling"
        else:
            shown = f"{o.ratio:.2f}x"
        if o.model:
            shown += f" on `{o.model}`"
            figs += "<br>every model: " + ", ".join(f"`{m}` {v:.2f}" for m, v in o.by_model.items())
        w(f"| {t.what} | **{shown}** | {figs} | {t.target} | {'yes' if o.met else '**no**'} |")
        if not o.met:
            missed.append((t, o))
    w("")
    notes = gap_notes(results, missed)
    if notes:
        w("### What would close the gaps\n")
        for n in notes:
            w(f"- {n}")
        w("")
    w("## Machine and versions\n")
    w("| | |")
    w("|---|---|")
    for k, v in {**machine(results), **versions(results)}.items():
        w(f"| {k} | {v} |")
    w("")
    cpu = results.info.get("cpu", {})
    if cpu:
        w(
            "Other work may share the machine while the benchmark runs. What each suite had of the "
            f"{os.cpu_count()} cores, on average (from `/proc/stat` and the benchmark's own CPU time):\n"
        )
        w("| suite | seconds | cores used by the benchmark | by other work | stolen by the hypervisor |")
        w("|---|---:|---:|---:|---:|")
        for name, v in cpu.items():
            w(
                f"| {name} | {v['wall_s']:.0f} | {v['bench_cores']:.2f} | {v['other_cores']:.2f} | "
                f"{v['steal_cores']:.2f} |"
            )
        w("")
        w(
            "Interleaving makes such noise hit both sides of a ratio alike, and min – max shows how much "
            "there was; the threads figures suffer most from other work, as they need both cores.\n"
        )
    _latency_section(results, models, w)
    _handover_section(results, w)
    _threads_section(results, w)
    if PENDING or results.skipped:
        w("## Not measured in this run\n")
        for k, v in {**PENDING, **results.skipped}.items():
            w(f"- **{k}**: {v}.")
        w("")
    _method_section(results, w)
    return "\n".join(out) + "\n"


def _latency_section(results: Results, models: dict[str, str], w: Callable[[str], None]) -> None:
    w("## Latency against batch size\n")
    w("![latency against batch size](bench/latency.png)\n")
    have = results.names("latency")
    tables: list[tuple[str, list[str]]] = [
        (
            "ONNX",
            [s for s in ("jinfer-java", "jinfer-java-run", "ort-java", "jinfer-python", "ort-python") if s in have],
        ),
        (
            "PMML, the Python backend, and the Python anchors",
            [
                s
                for s in (
                    "jinfer-pmml-java",
                    "jpmml-java",
                    "jinfer-pmml-python",
                    "jinfer-pmml-loop",
                    "jpmml-python",
                    "jinfer-pybackend-java",
                    "sklearn",
                    "fastapi",
                )
                if s in have
            ],
        ),
    ]
    for name, title in models.items():
        batches = sorted({p.x for p in results.points if p.suite == "latency" and p.model == name})
        for what, order in tables:
            if not order:
                continue
            w(f"**{title}** (`{name}`), {what}: median per call (min – max)\n")
            w("| batch | " + " | ".join(LABELS[s] for s in order) + " |")
            w("|---:|" + "---:|" * len(order))
            for b in batches:
                cells = []
                for s in order:
                    p = results.get("latency", s, b, name)
                    cells.append("—" if p is None else spread(p))
                w(f"| {int(b):,} | " + " | ".join(cells) + " |")
            w("")
    bd = [p for p in results.points if p.suite == "breakdown"]
    bd_models = list(dict.fromkeys(p.model for p in bd))
    parts = list(dict.fromkeys(p.series for p in bd))
    if bd:
        w("**Where the time of one call from Python goes** (batch 1, interleaved, model by model):\n")
        w("| part | " + " | ".join(f"`{m}`" for m in bd_models) + " |")
        w("|---|" + "---:|" * len(bd_models))
        for part in parts:
            cells = [next((spread(p) for p in bd if p.series == part and p.model == m), "—") for m in bd_models]
            w(f"| {part} | " + " | ".join(cells) + " |")
        w("")


def _handover_section(results: Results, w: Callable[[str], None]) -> None:
    w("## numpy → Java handover against array size\n")
    w("![handover against array size](bench/handover.png)\n")
    order = results.names("handover")
    w(
        "Median per call (min – max); float32 arrays of 25 columns. Every call is timed on its own; the "
        "plot's bars span the 10th to 90th percentile, as the collector's pauses stretch min – max.\n"
    )
    w("| size | " + " | ".join(LABELS.get(s, s) for s in order) + " |")
    w("|---:|" + "---:|" * len(order))
    for x in sorted({p.x for p in results.points if p.suite == "handover"}):
        cells = []
        for s in order:
            p = results.get("handover", s, x)
            cells.append("—" if p is None else spread(p))
        w(f"| {size(x)} | " + " | ".join(cells) + " |")
    w("")
    zc = results.get("handover", "zero-copy", 10**8)
    if zc is not None:
        w(
            f"Zero copy at 100 MB: median {duration(zc.median)}, mean {duration(zc.mean)}, max {duration(zc.max)} "
            f"over {len(zc.samples)} calls of the same array. jinfer prompts the JVM to collect only when Java "
            "holds another 256 MiB of numpy memory, and counts an array (or slices of it) once however often it "
            "is handed over (docs/decisions.md), so handing the same array over again never prompts; the copy "
            "paths make a fresh array each call, so for them a collection falls on about one call in three.\n"
        )


def _threads_section(results: Results, w: Callable[[str], None]) -> None:
    w("## Rows/s against threads\n")
    w("![rows/s against threads](bench/threads.png)\n")
    w(
        "Java threads predicting in a loop on one shared model loaded with one intra-op thread; "
        "median rows/s over the rounds (min – max).\n"
    )
    w("| model | batch | series | 1 thread | 2 threads | 2 / 1 |")
    w("|---|---:|---|---:|---:|---:|")
    for p1 in [p for p in results.points if p.suite == "threads" and p.x == 1]:
        p2 = results.get("threads", p1.series, 2, p1.model, p1.batch)
        if p2 is None:
            continue
        w(
            f"| {p1.model} | {p1.batch} | {LABELS[p1.series]} | {rate(p1.median)} ({rate(p1.min)} – {rate(p1.max)}) "
            f"| {rate(p2.median)} ({rate(p2.min)} – {rate(p2.max)}) | {p2.median / p1.median:.2f}x |"
        )
    w("")


def _method_section(results: Results, w: Callable[[str], None]) -> None:
    c = results.config
    backends = results.info.get("backends", {})
    arts = ", ".join(f"`{k}`: {'+'.join(v)}" for k, v in backends.items())
    w("## How it is measured\n")
    w(
        f"- **Models**: {', '.join(results.info.get('model_titles', []))}, trained on one synthetic 20-feature "
        "two-class dataset (`make_classification`, 5,000 rows, float32) and exported with `jinfer.export` "
        f"into one bundle each, with every artifact that passed parity ({arts}). The anchors run the same "
        "artifacts: ONNX Runtime (all graph optimisations, default threads, on both sides) on the bundle's "
        "`model.onnx`, JPMML on its `model.pmml`, scikit-learn and FastAPI on the fitted object. Inputs are "
        "real rows tiled to the batch size."
        + (
            " `mixed` is a pandas table made from the same rows (6 of the features as float32 columns, 3 "
            "others cut at their quantiles into string categories), through a `ColumnTransformer` "
            '(`StandardScaler`, `OneHotEncoder(handle_unknown="ignore")`) into a `LogisticRegression`; '
            "its bundle takes one input per column, so every side gets 9 inputs, 3 of them strings: "
            "jinfer from Python and onnxruntime the same arrays (float32, and object arrays of `str`, "
            "as pandas gives them), scikit-learn, jpmml-evaluator-python and FastAPI (JSON records) the "
            "DataFrame; in Java, float buffers and `String[]` of the parity sample's values."
            if "mixed" in backends
            else ""
        )
    )
    w(
        f"- **Python side** (`bench/run.py`, timed by `jinfer._bench.time_interleaved`): each call is warmed "
        f"up for {c.warmup_s:g} s, then gets a block size that makes a block last about {c.block_s * 1e3:g} ms. "
        f"{c.rounds} rounds each run one block of every call of a comparison, in an order rotated every "
        "round, so that noise longer than a block hits all sides alike. A sample is a block's mean time per "
        "call; the page shows the median sample and the min – max. Handover calls are timed one by one "
        'instead (their outliers are the point). The Python backend "called from Java" runs in this '
        "process's JVM: `io.jinfer.bench.Loop` calls `Model.predict` in a Java loop, so one Python-to-Java "
        "crossing is spread over many calls."
    )
    w(
        f"- **Java side** (`java/src/bench/java`, `io.jinfer.bench.JavaBench`, run with `java -cp` on the "
        f"classpath `gradle benchClasspath` writes): the same scheme in Java ({c.java_warmup_ms} ms warm-up, "
        f"{c.java_block_ms} ms blocks, {c.java_rounds} rounds): jinfer's `Model.predict(Map)` on "
        "direct buffers against `OrtSession.run` on `OnnxTensor.createTensor` over the same buffers (and "
        "the same `String[]`), and "
        "jinfer's PMML backend against JPMML's `evaluate` row by row (prepare each field, evaluate, decode "
        "the target and its probabilities). JMH would fork and run one benchmark at a time; the rule here "
        "is that the two sides of a ratio alternate within one run, so the harness is written by hand. "
        f"Threads: rounds of {c.thread_round_ms} ms alternate between 1 and 2 threads ({c.thread_rounds} "
        "rounds after a warm-up round each), on one model loaded with one intra-op thread."
    )
    w(
        f"- **REST anchor**: `bench/fastapi_server.py` (FastAPI + uvicorn, one worker) on 127.0.0.1, started "
        "and stopped by the harness, serving the scikit-learn models and the trivial function of the "
        "Python-backend target; the client reuses one keep-alive `http.client` connection, sends JSON rows "
        f"and parses the JSON answer; at most {c.max_requests:,} requests "
        f"({results.info.get('rest_requests', 0):,} sent in this run)."
    )
    w(
        "- **Samples** of every point are in `build/bench/results.json` after a run; "
        "`bench/run.py --from-json build/bench/results.json` writes the page and plots again from them, "
        "and `--wait-quiet 600` first waits for an idle machine."
    )
    w(
        "- **No timing assertions** anywhere: the benchmark reports and never fails the build. "
        "`jinfer bench BUNDLE [--batch 1,64,1024] [--threads N] [--backend X]` gives the same latency and "
        "rows/s figures for a user's own bundle, from Python or from the Java CLI."
    )
    w("")
