"""The measurements, one function per suite, in :data:`SUITES` (the order they run in).

A suite takes the run's :class:`Context` and adds :class:`Point` s to its results. A new case (a
new backend and its anchors) is one more function here, listed in :data:`SUITES`, and its rows in
``targets.py``; a series whose backend is missing from this run is skipped and the reason kept in
``results.skipped``, which the page shows. :data:`PENDING` lists cases not written yet.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

import jinfer
from common import ROOT, Config, Point, Results, log
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
    rest: RestClient | None = None                  # the REST anchor, while a suite needs it
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


# ---------------------------------------------------------------- latency from Python


def python_latency(ctx: Context) -> None:
    """From Python, at each batch size and for each model, interleaved: jinfer (ONNX backend)
    against onnxruntime's Python API, scikit-learn and FastAPI; jinfer's PMML backend against
    jpmml-evaluator-python's ``evaluateAll``; and the Python backend as Java calls it."""
    import pandas as pd

    from jinfer.tensor import to_java

    c = ctx.config
    rest = ctx.start_rest()
    for m in ctx.models.values():
        jm = jinfer.load(m.bundle, backend="onnx")
        sess = ort_session(m.onnx)
        in_name = sess.get_inputs()[0].name
        pm = jinfer.load(m.bundle, backend="pmml") if "pmml" in m.backends else None
        jpmml = _jpmml_evaluator(ctx, m)
        py = jinfer.load(m.bundle, backend="python", trust_python=True) if "python" in m.backends else None
        if py is None:
            ctx.results.skipped.setdefault("python backend", f"{m.name}: no python artifact in the bundle")
        for i, batch in enumerate(c.batches):
            x = m.rows(batch)
            # Three comparisons, each interleaved within itself and run one after the other, so
            # that one side's thread pools (ONNX Runtime's spin, JPMML's) are idle in another's.
            groups: list[dict[str, Callable[[], object]]] = [{
                "jinfer-python": lambda: jm.predict(x),
                "ort-python": lambda: sess.run(None, {in_name: x}),
                "sklearn": lambda: m.estimator.predict_proba(x),
            }]
            if batch <= c.rest_max_batch:
                groups[0]["fastapi"] = rest.caller(m.name, x)
            if pm is not None and jpmml is not None and batch in c.pmml_batches:
                df = pd.DataFrame(x, columns=list(m.columns))
                groups.append({"jinfer-pmml-python": lambda: pm.predict(x),
                               "jpmml-python": lambda: jpmml.evaluateAll(df)})
            loops = 20 if batch <= 64 else 1
            if py is not None:
                jt = to_java(x)
                groups.append({"jinfer-pybackend-java": _java_loop(py, jt, loops)})
            for calls in groups:
                log(f"latency from Python: {m.name}, batch {batch}: {', '.join(calls)}")
                if i == 0:   # the first batch: let the JIT compile the paths before anything counts
                    time_interleaved(calls, warmup_s=c.prewarm_s, block_s=c.block_s, rounds=0)
                for series, t in time_interleaved(calls, warmup_s=c.warmup_s, block_s=c.block_s,
                                                  rounds=c.rounds).items():
                    per = loops if series == "jinfer-pybackend-java" else 1
                    ctx.results.add(Point("latency", series, m.name, batch, [v / per for v in t.seconds],
                                          calls_per_block=t.calls_per_block * per))
        for model in (jm, pm, py):
            if model is not None:
                model.close()


def _jpmml_evaluator(ctx: Context, m: BenchModel) -> object | None:
    """jpmml-evaluator-python's evaluator on the bundle's PMML, in this JVM, or None (reason kept)."""
    if m.pmml_path is None:
        ctx.results.skipped.setdefault("pmml", f"{m.name}: no pmml artifact in the bundle (is jinfer[pmml] installed?)")
        return None
    try:
        from jpmml_evaluator import make_evaluator
    except ImportError:
        ctx.results.skipped.setdefault("jpmml-evaluator-python", "the jpmml-evaluator package is not installed")
        return None
    return make_evaluator(str(m.pmml_path), backend="jpype").verify()


def _java_loop(model: jinfer.Model, tensor: object, n: int) -> Callable[[], object]:
    """``model.predict(tensor)`` n times in a Java loop (``io.jinfer.bench.Loop``): the model as a
    Java service calls it, with one Python-to-Java crossing per n calls."""
    import jpype

    loop = jpype.JClass("io.jinfer.bench.Loop")
    jmodel = model._jmodel
    return lambda: loop.predict(jmodel, tensor, n)


def python_backend(ctx: Context) -> None:
    """DESIGN.md's Python-backend target: one call from Java into a trivial Python model (a 1×20
    float32 input, the sum of the features), against the same function behind FastAPI."""
    from jinfer.tensor import to_java

    c = ctx.config
    rest = ctx.start_rest()
    spec_in = {"name": "features", "dtype": "float32", "shape": [-1, 20]}
    spec_out = {"name": "prediction", "dtype": "float32", "shape": [-1]}
    jinfer.register("bench-trivial", trivial_model, inputs=[spec_in], outputs=[spec_out])
    model = jinfer.load("python:bench-trivial")
    x = ctx.models["rf"].rows(1)
    jt = to_java(x)
    loops = 100
    calls = {"pybackend-from-java": _java_loop(model, jt, loops), "fastapi-trivial": rest.caller("trivial", x)}
    log("Python backend from Java vs FastAPI, trivial model, batch 1")
    for series, t in time_interleaved(calls, warmup_s=c.warmup_s, block_s=c.block_s, rounds=c.rounds).items():
        per = loops if series == "pybackend-from-java" else 1
        ctx.results.add(Point("pybackend", series, "trivial", 1, [v / per for v in t.seconds],
                              calls_per_block=t.calls_per_block * per))
    model.close()


def ort_session(onnx: bytes) -> ort.InferenceSession:
    """onnxruntime with the options jinfer's ONNX backend uses: all graph optimisations, default threads."""
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])


class RestClient:
    """One keep-alive connection to the REST anchor, with a bound on the requests it will send."""

    def __init__(self, port: int, max_requests: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.requests = 0
        self.reconnects = 0
        self.max_requests = max_requests

    def caller(self, model: str, x: np.ndarray) -> Callable[[], object]:
        path = f"/predict/{model}"

        def call() -> object:
            self.requests += 1
            if self.requests > self.max_requests:
                raise RuntimeError(f"the REST anchor reached its bound of {self.max_requests} requests")
            body = json.dumps({"rows": x.tolist()}).encode()
            try:
                self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.reconnects += 1          # the server closed an idle connection: open a new one
                self.conn.close()
                self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"REST anchor answered {resp.status}: {data[:200]!r}")
            return json.loads(data)

        return call


@contextmanager
def rest_server(models: dict[str, BenchModel], workdir: Path, max_requests: int) -> Iterator[RestClient]:
    """FastAPI + uvicorn serving the scikit-learn models on 127.0.0.1, in a subprocess, stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [sys.executable, str(ROOT / "bench" / "fastapi_server.py"), str(port),
            *(f"{m.name}={m.joblib_path}" for m in models.values()), "trivial=trivial:trivial_model"]
    log(f"start FastAPI + uvicorn on 127.0.0.1:{port}")
    errlog = open(workdir / "fastapi.log", "wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    proc = subprocess.Popen(args, stdout=errlog, stderr=subprocess.STDOUT, cwd=workdir, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the FastAPI server did not start; see {workdir / 'fastapi.log'}")
            time.sleep(0.1)
        client = RestClient(port, max_requests)
        yield client
        client.conn.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errlog.close()
        log("stopped FastAPI")


# ---------------------------------------------------------------- where jinfer's Python-side time goes


def python_breakdown(ctx: Context) -> None:
    """The parts of one ``jinfer.load(...).predict`` at batch 1 on the forest, side by side: the
    whole call, its one crossing into Java with its arguments made (the staged path of a small
    batch), the Java call alone (timed in a Java loop), against onnxruntime's whole run."""
    import jpype

    from jinfer.tensor import to_java

    c = ctx.config
    m = ctx.models["rf"]
    jm = jinfer.load(m.bundle)
    x = m.rows(1)
    jm.predict(x)                           # makes this thread's staging buffer and the plan for x
    jmodel = jm._jmodel                     # the io.jinfer.Model behind the Python one
    from_python = jpype.JClass("io.jinfer.bridge.FromPython")
    meta = jm._local.views[((x.dtype, x.shape),)][0]
    stage = jm._local.jstage
    sess = ort_session(m.onnx)
    in_name = sess.get_inputs()[0].name
    loops = 100
    calls: dict[str, Callable[[], object]] = {
        "predict (all)": lambda: jm.predict(x),
        "FromPython.predictStaged (the crossing, arguments made)": lambda: from_python.predictStaged(
            jmodel, stage, meta),
        "Model.predict in Java": _java_loop(jm, to_java(x), loops),
        "ort-python run": lambda: sess.run(None, {in_name: x}),
    }
    log("where the Python-side time goes (rf, batch 1)")
    for series, t in time_interleaved(calls, warmup_s=c.warmup_s, block_s=c.block_s, rounds=c.rounds).items():
        per = loops if series == "Model.predict in Java" else 1
        ctx.results.add(Point("breakdown", series, "rf", 1, [v / per for v in t.seconds],
                              calls_per_block=t.calls_per_block * per))
    jm.close()


# ---------------------------------------------------------------- numpy -> Java handover


COLUMNS = 25   # float32: 100 bytes a row


def handover(ctx: Context) -> None:
    """Handing arrays of 1 KB to 100 MB to Java: zero copy, the copy paths, JArray, and memcpy.
    Every call is timed on its own, so the collector prompts of zero copy show as outliers."""
    import jpype

    from jinfer.tensor import from_java, to_java

    import jinfer.tensor

    c = ctx.config
    rng = np.random.default_rng(0)
    JFloatArray = jpype.JArray(jpype.JFloat)

    def without_prompt(a: np.ndarray) -> object:
        """Diagnostic: ``to_java`` with the collector prompt switched off for this one call."""
        saved = jinfer.tensor._GC_BYTES
        jinfer.tensor._GC_BYTES = 1 << 62
        try:
            return to_java(a)
        finally:
            jinfer.tensor._GC_BYTES = saved

    for size in c.sizes:
        rows = max(1, size // (4 * COLUMNS))
        x = rng.random((rows, COLUMNS), dtype=np.float32)
        strided = rng.random((2 * rows, COLUMNS), dtype=np.float32)[::2]    # every other row
        fortran = np.asfortranarray(x)                                        # pandas' usual layout
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
        for series, t in time_interleaved(calls, warmup_s=c.warmup_s, block_s=c.block_s, rounds=c.rounds,
                                          max_calls_per_block=caps, per_call=True).items():
            ctx.results.add(Point("handover", series, "", size, list(t.seconds), calls_per_block=t.calls_per_block))
        del jt
    jpype.JClass("java.lang.System").gc()


# ---------------------------------------------------------------- the Java harness


def java(ctx: Context) -> None:
    """The Java side (``io.jinfer.bench.JavaBench``, java/src/bench/java): jinfer's Model against
    raw ONNX Runtime Java at each batch size, and rows/s with 1 and 2 threads."""
    c = ctx.config
    cp = build_java_harness()
    out = ctx.workdir / "java-bench.json"
    args = ["java", "-cp", cp, "io.jinfer.bench.JavaBench",
            *(a for m in ctx.models.values() for a in ("--bundle", f"{m.name}={m.bundle}")),
            "--batches", ",".join(map(str, c.batches)), "--pmml-batches", ",".join(map(str, c.java_pmml_batches)),
            "--rounds", str(c.java_rounds), "--prewarm-ms", str(int(c.prewarm_s * 1000)),
            "--block-ms", str(c.java_block_ms), "--warmup-ms", str(c.java_warmup_ms),
            "--threads", "1,2", "--thread-batches", ",".join(map(str, c.thread_batches)),
            "--thread-rounds", str(c.thread_rounds), "--round-ms", str(c.thread_round_ms), "--out", str(out)]
    log("Java harness: " + " ".join(args[3:]))
    subprocess.run(args, cwd=ctx.workdir, check=True)
    data = json.loads(out.read_text())
    for row in data["latency"]:
        ctx.results.add(Point("latency", row["series"], row["model"], row["batch"], row["seconds"],
                              calls_per_block=row["calls_per_block"]))
    for row in data["threads"]:
        ctx.results.add(Point("threads", row["series"], row["model"], row["threads"], row["rows_per_second"],
                              batch=row["batch"]))
    ctx.results.info["java"] = {k: data.get(k) for k in ("java_version", "java_vm", "onnxruntime_java",
                                                         "jpmml_evaluator", "processors", "max_heap_bytes")}
    for why in data.get("skipped", []):
        ctx.results.skipped.setdefault("java: " + why.split(":")[0], why)


def build_java_harness() -> str:
    """Compile the Java harness with Gradle (``benchClasspath``); return its classpath."""
    gradle = os.environ.get("GRADLE", "gradle")
    log("gradle benchClasspath (compiles the Java harness)")
    built = subprocess.run([gradle, "--console=plain", "-q", "benchClasspath"], cwd=ROOT, capture_output=True,
                           text=True)
    if built.returncode != 0:
        raise RuntimeError(f"gradle benchClasspath failed:\n{built.stdout}{built.stderr}")
    return (ROOT / "build" / "bench" / "classpath.txt").read_text().strip()


BENCH_CLASSES = ROOT / "build" / "classes" / "java" / "bench"   # io.jinfer.bench.Loop for the Python-hosted JVM


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Suite:
    name: str
    run: Callable[[Context], None]
    needs_rest: bool = False      # the REST anchor runs from before the first such suite to after the last


SUITES: list[Suite] = [
    Suite("python-latency", python_latency, needs_rest=True),
    Suite("python-backend", python_backend, needs_rest=True),
    Suite("python-breakdown", python_breakdown),
    Suite("handover", handover),
    Suite("java", java),
]

# Cases not written yet, by name: what they would measure.
PENDING: dict[str, str] = {}


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="jinfer-bench-"))
