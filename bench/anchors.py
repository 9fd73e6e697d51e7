"""What jinfer is measured against, and the harness that measures it in Java.

- the REST anchor: :func:`rest_server` runs ``fastapi_server.py`` (FastAPI + uvicorn) on
  127.0.0.1 and yields a :class:`RestClient` on one keep-alive connection;
- raw runtimes in this process: :func:`ort_session` (onnxruntime's Python API, with the options
  jinfer's ONNX backend uses) and :func:`jpmml_evaluator` (jpmml-evaluator-python);
- the Java harness (java/src/bench/java): :func:`build_java_harness` compiles it,
  :func:`run_java_bench` runs ``io.jinfer.bench.JavaBench`` (jinfer against raw ONNX Runtime Java
  and JPMML, on every input a bundle takes), and :func:`java_loop` calls ``io.jinfer.bench.Loop``
  in this process's JVM.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

import jinfer
from common import ROOT, Config, log
from models import BenchModel

BENCH_CLASSES = ROOT / "build" / "classes" / "java" / "bench"  # io.jinfer.bench.Loop for the Python-hosted JVM


# ---------------------------------------------------------------- the REST anchor


class RestClient:
    """One keep-alive connection to the REST anchor, with a bound on the requests it will send."""

    def __init__(self, port: int, max_requests: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.requests = 0
        self.reconnects = 0
        self.max_requests = max_requests

    def caller(self, model: str, x: np.ndarray | pd.DataFrame) -> Callable[[], object]:
        """A call that posts ``x`` as JSON: an array's rows as lists (``/predict``), a table's as
        records, one object of column to value a row (``/table``), as a service's clients send them."""
        rows: Callable[[], object]
        if isinstance(x, pd.DataFrame):
            path, rows = f"/table/{model}", lambda: x.to_dict("records")
        else:
            path, rows = f"/predict/{model}", lambda: x.tolist()

        def call() -> object:
            self.requests += 1
            if self.requests > self.max_requests:
                raise RuntimeError(f"the REST anchor reached its bound of {self.max_requests} requests")
            body = json.dumps({"rows": rows()}).encode()
            try:
                self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.reconnects += 1  # the server closed an idle connection: open a new one
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
    args = [
        sys.executable,
        str(ROOT / "bench" / "fastapi_server.py"),
        str(port),
        *(f"{m.name}={m.joblib_path}" for m in models.values()),
        "trivial=trivial:trivial_model",
    ]
    log(f"start FastAPI + uvicorn on 127.0.0.1:{port}")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    with open(workdir / "fastapi.log", "wb") as errlog:
        proc = subprocess.Popen(args, stdout=errlog, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        try:
            _wait_until_healthy(proc, port, workdir / "fastapi.log")
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
            log("stopped FastAPI")


def _wait_until_healthy(proc: subprocess.Popen[bytes], port: int, errlog: Path) -> None:
    """Until ``GET /health`` answers 200; RuntimeError if the server exits or takes over 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                c.close()
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the FastAPI server did not start; see {errlog}")
        time.sleep(0.1)


# ---------------------------------------------------------------- raw runtimes in this process


def ort_session(onnx: bytes) -> ort.InferenceSession:
    """onnxruntime with the options jinfer's ONNX backend uses: all graph optimisations, default threads."""
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])


def jpmml_evaluator(m: BenchModel, skipped: dict[str, str]) -> Any:
    """jpmml-evaluator-python's evaluator on the bundle's PMML, in this JVM (untyped), or None (the
    reason goes into ``skipped``)."""
    if m.pmml_path is None:
        skipped.setdefault("pmml", f"{m.name}: no pmml artifact in the bundle (is jinfer[pmml] installed?)")
        return None
    try:
        from jpmml_evaluator import make_evaluator
    except ImportError:
        skipped.setdefault("jpmml-evaluator-python", "the jpmml-evaluator package is not installed")
        return None
    return make_evaluator(str(m.pmml_path), backend="jpype").verify()


# ---------------------------------------------------------------- the Java harness


def build_java_harness() -> str:
    """Compile the Java harness with Gradle (``benchClasspath``); return its classpath."""
    gradle = os.environ.get("GRADLE", "gradle")
    log("gradle benchClasspath (compiles the Java harness)")
    built = subprocess.run(
        [gradle, "--console=plain", "-q", "benchClasspath"], cwd=ROOT, capture_output=True, text=True
    )
    if built.returncode != 0:
        raise RuntimeError(f"gradle benchClasspath failed:\n{built.stdout}{built.stderr}")
    return (ROOT / "build" / "bench" / "classpath.txt").read_text().strip()


def run_java_bench(c: Config, models: dict[str, BenchModel], workdir: Path) -> dict[str, Any]:
    """The Java side (``io.jinfer.bench.JavaBench``, java/src/bench/java) as a subprocess, with the
    run's settings: what it measured, as the JSON it writes."""
    cp = build_java_harness()
    out = workdir / "java-bench.json"
    args = [
        "java",
        "-cp",
        cp,
        "io.jinfer.bench.JavaBench",
        *(a for m in models.values() for a in ("--bundle", f"{m.name}={m.bundle}")),
        "--batches",
        ",".join(map(str, c.batches)),
        "--pmml-batches",
        ",".join(map(str, c.java_pmml_batches)),
        "--rounds",
        str(c.java_rounds),
        "--prewarm-ms",
        str(int(c.prewarm_s * 1000)),
        "--block-ms",
        str(c.java_block_ms),
        "--warmup-ms",
        str(c.java_warmup_ms),
        "--threads",
        "1,2",
        "--thread-batches",
        ",".join(map(str, c.thread_batches)),
        "--thread-rounds",
        str(c.thread_rounds),
        "--round-ms",
        str(c.thread_round_ms),
        "--out",
        str(out),
    ]
    log("Java harness: " + " ".join(args[3:]))
    subprocess.run(args, cwd=workdir, check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def java_loop(model: jinfer.Model, x: np.ndarray | dict[str, np.ndarray], n: int) -> Callable[[], object]:
    """``model.predict(inputs)`` n times in a Java loop (``io.jinfer.bench.Loop``), on ``x`` (the
    array of a single-input model, or an array per input) handed to Java once: the model as a Java
    service calls it, with one Python-to-Java crossing per n calls."""
    import jpype

    from jinfer.tensor import to_java

    loop = jpype.JClass("io.jinfer.bench.Loop")
    inputs = jpype.JClass("java.util.HashMap")()
    for name, arr in (x if isinstance(x, dict) else {model.inputs[0].name: x}).items():
        inputs.put(name, to_java(arr))
    jmodel = model._jmodel
    return lambda: loop.predict(jmodel, inputs, n)
