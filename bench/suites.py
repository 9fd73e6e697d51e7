"""The measurements, one function per suite, in :data:`SUITES` (the order they run in).

A suite takes the run's :class:`Context` and adds :class:`Point` s to its results; what it
measures against (the REST anchor, raw runtimes, the Java harness) is in ``anchors.py``. A new
case (a new backend and its anchors) is one more function here, listed in :data:`SUITES`, and its
rows in ``targets.py``; a series whose backend is missing from this run is skipped and the reason
kept in ``results.skipped``, which the page shows. :data:`PENDING` lists cases not written yet.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import jinfer
from anchors import RestClient, java_loop, jpmml_evaluator, ort_session, rest_server, run_java_bench
from common import Config, Point, Results, log
from jinfer._bench import size as fmt_size
from jinfer._bench import time_interleaved
from models import BenchModel
from trivial import trivial_model


@dataclass
class Context:
    config: Config
    results: Results
    models: dict[str, BenchModel]
    workdir: Path
    rest: RestClient | None = None  # the REST anchor, while a suite needs it
    stack: ExitStack = field(default_factory=ExitStack)

    def start_rest(self) -> RestClient:
        if self.rest is None:
            self.rest = self.stack.enter_context(rest_server(self.models, self.workdir, self.config.max_requests))
        return self.rest

    def stop_rest(self) -> None:
        if self.rest is not None:
            self.results.info["rest_requests"] = self.rest.requests
        self.stack.close()
        self.rest = None


def measure(
    ctx: Context,
    suite: str,
    model: str,
    x: float,
    calls: Mapping[str, Callable[[], object]],
    *,
    loops: Mapping[str, int] | None = None,
    **timer: Any,
) -> None:
    """Time ``calls`` side by side (:func:`time_interleaved` with the run's settings, and
    ``timer``'s) and add a point per series at ``x``. A series in ``loops`` makes that many
    predictions per call (a Java loop), so its samples are per prediction."""
    c = ctx.config
    for series, t in time_interleaved(calls, warmup_s=c.warmup_s, block_s=c.block_s, rounds=c.rounds, **timer).items():
        per = (loops or {}).get(series, 1)
        ctx.results.add(
            Point(suite, series, model, x, [v / per for v in t.seconds], calls_per_block=t.calls_per_block * per)
        )


# ---------------------------------------------------------------- latency from Python


def python_latency(ctx: Context) -> None:
    """From Python, at each batch size and for each model, interleaved: jinfer (ONNX backend)
    against onnxruntime's Python API, scikit-learn and FastAPI; jinfer's PMML backend against
    jpmml-evaluator-python's ``evaluateAll``; and the Python backend as Java calls it."""
    c = ctx.config
    rest = ctx.start_rest()
    for m in ctx.models.values():
        with ExitStack() as opened:
            sides = _Sides(
                opened.enter_context(jinfer.load(m.bundle, backend="onnx")),
                ort_session(m.onnx),
                opened.enter_context(jinfer.load(m.bundle, backend="pmml")) if "pmml" in m.backends else None,
                jpmml_evaluator(m, ctx.results.skipped),
                opened.enter_context(jinfer.load(m.bundle, backend="python", trust_python=True))
                if "python" in m.backends
                else None,
            )
            if sides.python is None:
                ctx.results.skipped.setdefault("python backend", f"{m.name}: no python artifact in the bundle")
            for i, batch in enumerate(c.batches):
                for calls in _latency_groups(ctx, m, batch, sides, rest):
                    log(f"latency from Python: {m.name}, batch {batch}: {', '.join(calls)}")
                    if i == 0:  # the first batch: let the JIT compile the paths before anything counts
                        time_interleaved(calls, warmup_s=c.prewarm_s, block_s=c.block_s, rounds=0)
                    measure(ctx, "latency", m.name, batch, calls, loops={"jinfer-pybackend-java": _loops(batch)})


@dataclass(frozen=True)
class _Sides:
    """What :func:`python_latency` runs one model on: jinfer's backends and the anchors."""

    onnx: jinfer.Model
    ort: Any  # onnxruntime.InferenceSession
    pmml: jinfer.Model | None
    jpmml: Any  # jpmml-evaluator-python's Evaluator, or None
    python: jinfer.Model | None


_PMML_LOOP_MAX_BATCH = 1024  # the target's batch; the MLP's larger batches take seconds a call


def _loops(batch: int) -> int:
    """Predictions per call of the Python backend's Java loop: enough that one crossing is small."""
    return 20 if batch <= 64 else 1


def _latency_groups(
    ctx: Context, m: BenchModel, batch: int, on: _Sides, rest: RestClient
) -> list[dict[str, Callable[[], object]]]:
    """Three comparisons, each interleaved within itself and run one after the other, so that one
    side's thread pools (ONNX Runtime's spin, JPMML's) are idle in another's. Every side gets the
    batch in its own form (:meth:`BenchModel.feeds`), made before the clock starts."""
    c = ctx.config
    x = m.feeds(batch)
    onnx: dict[str, Callable[[], object]] = {
        "jinfer-python": lambda: on.onnx.predict(x.jinfer),
        "ort-python": lambda: on.ort.run(None, x.ort),
        "sklearn": lambda: m.estimator.predict_proba(x.own),
    }
    if batch <= c.rest_max_batch:
        onnx["fastapi"] = rest.caller(m.name, x.own)
    groups = [onnx]
    if on.pmml is not None and on.jpmml is not None and batch in c.pmml_batches:
        pmml, jpmml = on.pmml, on.jpmml
        group = {
            "jinfer-pmml-python": lambda: pmml.predict(x.jinfer),
            "jpmml-python": lambda: jpmml.evaluateAll(x.frame),
        }
        if batch <= _PMML_LOOP_MAX_BATCH:  # the same Model.predict in a Java loop in this JVM: the crossing's share
            group["jinfer-pmml-loop"] = java_loop(pmml, x.jinfer, 1)
        groups.append(group)
    if on.python is not None:
        groups.append({"jinfer-pybackend-java": java_loop(on.python, x.jinfer, _loops(batch))})
    return groups


def python_backend(ctx: Context) -> None:
    """DESIGN.md's Python-backend target: one call from Java into a trivial Python model (a 1×20
    float32 input, the sum of the features), against the same function behind FastAPI."""
    rest = ctx.start_rest()
    spec_in = {"name": "features", "dtype": "float32", "shape": [-1, 20]}
    spec_out = {"name": "prediction", "dtype": "float32", "shape": [-1]}
    jinfer.register("bench-trivial", trivial_model, inputs=[spec_in], outputs=[spec_out])
    model = jinfer.load("python:bench-trivial")
    x = ctx.models["rf"].rows(1)
    loops = 100
    calls = {"pybackend-from-java": java_loop(model, x, loops), "fastapi-trivial": rest.caller("trivial", x)}
    log("Python backend from Java vs FastAPI, trivial model, batch 1")
    measure(ctx, "pybackend", "trivial", 1, calls, loops={"pybackend-from-java": loops})
    model.close()


# ---------------------------------------------------------------- where jinfer's Python-side time goes


def python_breakdown(ctx: Context) -> None:
    """The parts of one ``jinfer.load(...).predict`` at batch 1, model by model, side by side: the
    whole call, its one crossing into Java with its arguments made (the staged path of a small
    batch), the Java call alone (timed in a Java loop), against onnxruntime's whole run."""
    for m in ctx.models.values():
        with jinfer.load(m.bundle, backend="onnx") as jm:
            _breakdown_of(ctx, m, jm)


def _breakdown_of(ctx: Context, m: BenchModel, jm: jinfer.Model) -> None:
    """The crossing is the plan's ``StagedCall.run`` where the batch goes through the staging
    buffer (the numbers; the string inputs' elements beside it in one ``String[]``), else
    ``FromPython.predict`` on the inputs' buffers and string arrays."""
    import jpype

    from jinfer._runtime import wire

    from_python = jpype.JClass("io.jinfer.bridge.FromPython")
    x = m.feeds(1)
    jm.predict(x.jinfer)  # makes this thread's staging buffer and the plan for x
    jmodel = jm._jmodel  # the io.jinfer.Model behind the Python one
    given = x.jinfer if isinstance(x.jinfer, dict) else {jm.inputs[0].name: x.jinfer}
    arrays = [given[s.name] for s in jm.inputs]
    plan = getattr(jm._local, "views", {}).get(tuple((a.dtype, a.shape) for a in arrays))
    if plan:
        run = plan[0]  # the plan's StagedCall.run: the layout read once in Java
        texts = [str(v) for a, view in zip(arrays, plan[1]) if view is None for v in a.reshape(-1)]
        strings = jm._staged_strings(texts) if texts else None
        crossing: tuple[str, Callable[[], object]] = (
            "StagedCall.run (the crossing, arguments made)",
            (lambda: run(strings)) if strings is not None else run,
        )
    else:
        data = jm._objects([jm._input_buffer(i, a, reuse=True) for i, a in enumerate(arrays)])
        shapes = jm._longs(wire.shape_header(arrays))
        crossing = (
            "FromPython.predict (the crossing, arguments made)",
            lambda: from_python.predict(jmodel, data, shapes),
        )
    sess = ort_session(m.onnx)
    loops = 100
    calls: dict[str, Callable[[], object]] = {
        "predict (all)": lambda: jm.predict(x.jinfer),
        crossing[0]: crossing[1],
        "Model.predict in Java": java_loop(jm, x.jinfer, loops),
        "ort-python run": lambda: sess.run(None, x.ort),
    }
    log(f"where the Python-side time goes ({m.name}, batch 1)")
    measure(ctx, "breakdown", m.name, 1, calls, loops={"Model.predict in Java": loops})


# ---------------------------------------------------------------- numpy -> Java handover


COLUMNS = 25  # float32: 100 bytes a row


def handover(ctx: Context) -> None:
    """Handing arrays of 1 KB to 100 MB to Java: zero copy, the copy paths, JArray, and memcpy.
    Every call is timed on its own, so the collector prompts of zero copy show as outliers."""
    import jpype

    rng = np.random.default_rng(0)
    for size in ctx.config.sizes:
        _handover_at(ctx, size, rng)  # its arrays, and the Java tensor, go when it returns
    jpype.JClass("java.lang.System").gc()


def _handover_at(ctx: Context, size: int, rng: np.random.Generator) -> None:
    import jpype

    import jinfer.tensor
    from jinfer.tensor import from_java, to_java

    JFloatArray = jpype.JArray(jpype.JFloat)

    def without_prompt(a: np.ndarray) -> object:
        """Diagnostic: ``to_java`` with the collector prompt switched off for this one call."""
        saved = jinfer.tensor._GC_BYTES
        jinfer.tensor._GC_BYTES = 1 << 62
        try:
            return to_java(a)
        finally:
            jinfer.tensor._GC_BYTES = saved

    rows = max(1, size // (4 * COLUMNS))
    x = rng.random((rows, COLUMNS), dtype=np.float32)
    strided = rng.random((2 * rows, COLUMNS), dtype=np.float32)[::2]  # every other row
    fortran = np.asfortranarray(x)  # pandas' usual layout
    dst = np.empty_like(x)
    flat = x.reshape(-1)
    jt = to_java(x)
    calls: dict[str, Callable[[], object]] = {
        "zero-copy": lambda: to_java(x),
        "zero-copy-no-prompt": lambda: without_prompt(x),
        "copy-strided": lambda: to_java(strided),
        "copy-fortran": lambda: to_java(fortran),
        "numpy-strided": lambda: np.ascontiguousarray(strided),
        "numpy-fortran": lambda: np.ascontiguousarray(fortran),
        "from-java": lambda: from_java(jt),
        "jarray": lambda: JFloatArray(flat),
        "memcpy": lambda: np.copyto(dst, x),
    }
    log(f"handover: {fmt_size(size)}")
    # Blocks of at most ~300 MB for the calls that copy, ~600 MB for the others (and 200 calls):
    # the collector prompt (every 256 MiB) falls on about one 100 MB call in three, as in use,
    # without a block running for seconds; a cheap call gets several calls a block, so the first
    # after another series' block (caches and pages cold) is not the only sample.
    heavy = {"copy-strided", "copy-fortran", "numpy-strided", "numpy-fortran", "jarray"}
    caps = {name: int(min(200, max(1, (3 * 10**8 if name in heavy else 6 * 10**8) // size))) for name in calls}
    measure(ctx, "handover", "", size, calls, max_calls_per_block=caps, per_call=True)


# ---------------------------------------------------------------- copies through predict


def predict_copy(ctx: Context) -> None:
    """``Model.predict`` on 100 MB of input that Java cannot read in place (Fortran order, as
    ``DataFrame.to_numpy()`` gives; every other row), against the same rows C-contiguous, and
    ``np.copyto`` of the same bytes into an existing C-order array: what the copy costs on top of
    the model's own time, against what the copy itself costs."""
    m = ctx.models["logreg"]
    rows = 10**8 // (4 * m.inputs[0].shape[1])
    x = m.rows(rows)
    fortran = np.asfortranarray(x)
    strided = np.repeat(x, 2, axis=0)[::2]
    dst = np.empty_like(x)
    jm = jinfer.load(m.bundle)
    calls: dict[str, Callable[[], object]] = {
        "predict-c": lambda: jm.predict(x),
        "predict-fortran": lambda: jm.predict(fortran),
        "predict-strided": lambda: jm.predict(strided),
        "copyto-fortran": lambda: np.copyto(dst, fortran),
        "copyto-strided": lambda: np.copyto(dst, strided),
    }
    log(f"copies through predict: logreg, {rows:,} rows (100 MB)")
    measure(ctx, "predict-copy", "logreg", 10**8, calls, max_calls_per_block=1, per_call=True)
    jm.close()


# ---------------------------------------------------------------- the Java harness


def java(ctx: Context) -> None:
    """The Java side (``io.jinfer.bench.JavaBench``, java/src/bench/java): jinfer's Model against
    raw ONNX Runtime Java at each batch size, and rows/s with 1 and 2 threads."""
    data = run_java_bench(ctx.config, ctx.models, ctx.workdir)
    for row in data["latency"]:
        ctx.results.add(
            Point(
                "latency",
                row["series"],
                row["model"],
                row["batch"],
                row["seconds"],
                calls_per_block=row["calls_per_block"],
            )
        )
    for row in data["threads"]:
        ctx.results.add(
            Point("threads", row["series"], row["model"], row["threads"], row["rows_per_second"], batch=row["batch"])
        )
    ctx.results.info["java"] = {
        k: data.get(k)
        for k in ("java_version", "java_vm", "onnxruntime_java", "jpmml_evaluator", "processors", "max_heap_bytes")
    }
    for why in data.get("skipped", []):
        ctx.results.skipped.setdefault("java: " + why.split(":")[0], why)


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Suite:
    name: str
    run: Callable[[Context], None]
    needs_rest: bool = False  # the REST anchor runs from before the first such suite to after the last


SUITES: list[Suite] = [
    Suite("python-latency", python_latency, needs_rest=True),
    Suite("python-backend", python_backend, needs_rest=True),
    Suite("python-breakdown", python_breakdown),
    Suite("handover", handover),
    Suite("predict-copy", predict_copy),
    Suite("java", java),
]

# Cases not written yet, by name: what they would measure.
PENDING: dict[str, str] = {}


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="jinfer-bench-"))
