"""Java heap bytes allocated per ``predict`` from Python, by model, backend and batch size: what
makes the JVM jinfer starts collect, and G1 grow its heap (docs/decisions.md, "The soak's heap").

    python tests/soak/alloc.py [CALLS]

It reads the soak's bundles and tables (``build/soak/``, made by ``make soak`` or
``tests/soak/run.py``) and counts, with ``com.sun.management.ThreadMXBean``, the bytes the calling
threads allocate in Java over CALLS calls (default 2,000; fewer for large batches, at least 20)
after a quarter as many of warm-up: through
``jinfer.Model.predict`` (the Python crossing included), and through ``io.jinfer.Model.predict``
with the Java tensors made once beforehand (the model and its backend alone). Each answer is
checked against the table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import jpype
import numpy as np

import jinfer

OUT = Path(__file__).resolve().parents[2] / "build" / "soak"
MODELS = [("logreg", "onnx"), ("logreg", "pmml"), ("forest", "onnx"), ("forest", "pmml")]


def per_call(calls: int, fn: Callable[[], object]) -> float:
    """Bytes allocated in Java per ``fn()``, by every thread (JPMML evaluates large batches on a pool)."""
    threads = jpype.JClass("java.lang.management.ManagementFactory").getThreadMXBean()

    def allocated() -> int:
        return sum(b for b in threads.getThreadAllocatedBytes(threads.getAllThreadIds()) if b > 0)

    for _ in range(max(5, calls // 4)):
        fn()
    before = allocated()
    for _ in range(calls):
        fn()
    return (allocated() - before) / calls


def main(argv: list[str]) -> int:
    calls = int(argv[0]) if argv else 2000
    from jinfer.tensor import to_java

    print(f"{'model':<14} {'batch':>5} {'python B/call':>14} {'java B/call':>12}")
    for name, backend in MODELS:
        with np.load(OUT / f"{name}.npz") as t:
            features, labels = t["features"], t["label"]
        model = jinfer.load(OUT / f"{name}.jinfer", backend=backend)
        jmodel = model._jmodel
        for batch in (1, 32, 512):
            x = np.ascontiguousarray(features[:batch])
            assert np.array_equal(model.predict(x)["label"], labels[:batch]), f"{name}:{backend} is wrong"
            jinputs = jpype.JClass("java.util.HashMap")()
            jinputs.put(model.inputs[0].name, to_java(x))
            n = max(20, calls // batch)
            py = per_call(n, lambda m=model, x=x: m.predict(x))
            java = per_call(n, lambda m=jmodel, i=jinputs: m.predict(i))
            print(f"{name + ':' + backend:<14} {batch:>5} {py:>14,.0f} {java:>12,.0f}")
        model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
