"""The JVM jinfer starts and the models it loads, over a process's life: signals reach Python, the
heap is bounded, models are freed when dropped, and closing races no call into a wrong error.

Each behaviour a user notices in a process of their own (a signal, the JVM's flags, an interpreter
without jinfer's jars) runs in a subprocess; the rest runs in the session's JVM.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import jpype
import numpy as np
import pytest

import jinfer
from jinfer import JinferError
from jinfer._runtime import model as model_module
from jinfer._runtime.jvm import DEFAULT_GC, DEFAULT_HEAP, DEFAULT_MAX_HEAP, jvm_options
from models import MODELS

X = MODELS["logreg"][1].astype(np.float32)


def child(script: str, *args: object, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A Python process running ``script`` (its ``argv[1:]`` are ``args``), with pipes."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_for_line(proc: subprocess.Popen[str], word: str) -> None:
    """Read the child's stdout until a line equals ``word``; fail with its stderr if it ends first."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == word:
            return
    proc.wait(timeout=60)
    raise AssertionError(f"the child ended ({proc.returncode}) before printing {word!r}: {proc.stderr.read()}")


# ---------------------------------------------------------------- signals reach Python

SERVE = """
    import signal, sys, time
    import numpy as np
    import jinfer

    def on_term(signum, frame):  # installed before the JVM starts, as gunicorn and uvicorn do
        print("handler", flush=True)
        raise SystemExit(3)

    signal.signal(signal.SIGTERM, on_term)
    # Python's own Ctrl-C handler, as an interactive or service Python has it: a child of a shell
    # that ran its caller in the background (CI, nohup) inherits SIGINT ignored, and Python then
    # installs none, with or without jinfer
    signal.signal(signal.SIGINT, signal.default_int_handler)
    model = jinfer.load(sys.argv[1])
    X = np.zeros((4, 4), dtype=np.float32)
    model.predict(X)
    try:
        print("ready", flush=True)
        while True:  # busy in Java most of the time: the signal must still reach Python
            model.predict(X)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        model.predict(X)  # and the JVM still works
        sys.exit(4)
    finally:
        print("finally", flush=True)
"""


@pytest.mark.parametrize(
    "signum, lines, code",
    [(signal.SIGINT, ["interrupted", "finally"], 4), (signal.SIGTERM, ["handler", "finally"], 3)],
    ids=["SIGINT", "SIGTERM"],
)
def test_signals_reach_python_after_load(signum: int, lines: list[str], code: int, bundles: dict[str, Path]) -> None:
    proc = child(SERVE, bundles["logreg-float32"])
    try:
        wait_for_line(proc, "ready")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # say what the child had printed, and where it was
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the child did not end within 120 s of the signal; printed {out.split()}; stderr: {err[-3000:]}")
    finally:
        proc.kill()
    assert [line for line in out.split() if line] == lines, err
    assert proc.returncode == code, err


# ---------------------------------------------------------------- the JVM's flags

HEAP = """
    import sys
    import jinfer
    from jinfer._runtime.jvm import jclass
    with jinfer.jvm(jvm_args=sys.argv[1:]):
        heap = jclass("java.lang.management.ManagementFactory").getMemoryMXBean().getHeapMemoryUsage()
        print(jclass("java.lang.Runtime").getRuntime().maxMemory() >> 20, heap.getInit() >> 20)
"""


@pytest.mark.parametrize(
    "args, env, mib, floor",
    [
        ([], {}, 1024, 256),
        (["-Xmx200m"], {}, 200, None),  # below the default floor: the policy yields as a whole
        ([], {"JINFER_JVM_ARGS": "-Xmx300m"}, 300, None),
    ],
    ids=["default", "jvm_args", "JINFER_JVM_ARGS"],
)
def test_the_heap_of_the_jvm_jinfer_starts_is_bounded_with_a_floor(
    args: list[str], env: dict[str, str], mib: int, floor: int | None
) -> None:
    proc = child(HEAP, *args, env=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    max_mib, init_mib = map(int, out.split())
    # Runtime.maxMemory() leaves out one survivor space: a little under the -Xmx given
    assert 0.9 * mib <= max_mib <= mib, out
    if floor is None:
        assert init_mib <= mib, out  # the JDK's own initial size, capped by the bound given
    else:
        assert init_mib == floor, out


def test_jinfer_run_java_gets_the_heap_bound_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Java program's JVM keeps its own System.gc(), and no floor whose eden it would take
    minutes to touch (docs/decisions.md); jinfer.load's JVM gets the whole policy."""
    monkeypatch.delenv("JINFER_JVM_ARGS", raising=False)
    assert jvm_options(java_signals=True) == [DEFAULT_MAX_HEAP]
    assert jvm_options() == ["-Xrs", *DEFAULT_HEAP, *DEFAULT_GC]


EXPLICIT_GC = """
    import sys
    import jinfer
    from jinfer._runtime.jvm import jclass
    with jinfer.jvm(jvm_args=sys.argv[1:]):
        jclass("java.lang.System").gc()  # as JPype calls it after Python's collections
        beans = jclass("java.lang.management.ManagementFactory").getGarbageCollectorMXBeans()
        full = sum(b.getCollectionCount() for b in beans if str(b.getName()) == "G1 Old Generation")
        print(full, jclass("java.lang.Runtime").getRuntime().totalMemory() >> 20)
"""


@pytest.mark.parametrize(
    "args, concurrent", [([], True), (["-XX:-ExplicitGCInvokesConcurrent"], False)], ids=["default", "overridden"]
)
def test_system_gc_is_a_concurrent_cycle_that_keeps_the_heap_floor(args: list[str], concurrent: bool) -> None:
    """JPype's System.gc() calls: by default a concurrent cycle, no full collection, and the
    committed heap stays at its floor (docs/decisions.md); the option can be turned back."""
    proc = child(EXPLICIT_GC, *args)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    collections, committed_mib = map(int, out.split())
    assert (collections == 0) == concurrent, out  # full collections, JPype's own at start among them
    assert committed_mib >= 256, out


COLLECTIONS = """
    import gc, threading, time
    import jinfer
    from jinfer._runtime.jvm import jclass
    off_main = []  # full Python collections on another thread: JPype's queue thread or jinfer's
    gc.callbacks.append(
        lambda phase, info: phase == "stop" and info["generation"] == 2
        and threading.current_thread() is not threading.main_thread() and off_main.append(1)
    )

    def settled():  # no collection under way: its callback runs before the link counts it
        for _ in range(50):
            seen = (len(off_main), link.collections())
            time.sleep(0.1)
            if seen == (len(off_main), link.collections()):
                return seen
        return seen

    with jinfer.jvm():
        link = jclass("io.jinfer.bridge.PythonCollections")
        # the JVM's start ends with a collection, which JPype's queue thread may take before the link
        # is in place: count from a settled point after one more
        jclass("java.lang.System").gc()
        before = settled()
        start = time.monotonic()
        # Java collections, each a chance for the queue thread to collect, for 1.5 s and until the
        # link has collected after one (the bounded one waits 100 times its last collection's duration)
        while time.monotonic() - start < (1.5 if len(off_main) > before[0] else 20):
            jclass("java.lang.System").gc()
            time.sleep(0.03)
        after = settled()
        print(after[0] - before[0], after[1] - before[1], time.monotonic() - start)
"""


@pytest.mark.parametrize("jpype_link", [False, True], ids=["bounded", "jpype"])
def test_java_collections_run_pythons_full_collection_at_a_bounded_rate(jpype_link: bool) -> None:
    """JPype runs a full Python collection after every Java one; the JVM jinfer starts keeps that at
    most once a second (docs/decisions.md, "PMML from Python, round two"), and
    JINFER_JPYPE_GC_LINK=1 gives JPype's own link back."""
    proc = child(COLLECTIONS, env={"JINFER_JPYPE_GC_LINK": "1"} if jpype_link else {"JINFER_JPYPE_GC_LINK": ""})
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    counts, seconds = out.split()[:2], float(out.split()[2])
    off_main, ours = map(int, counts)
    if jpype_link:
        assert off_main >= 10 and ours == 0, out
    else:  # every one of them the bounded link's, at most one a second
        assert 1 <= off_main <= 1 + seconds and ours == off_main, out


NO_JARS = """
    import jpype, numpy as np
    import jinfer
    jpype.startJVM()  # a JVM started before jinfer, without jinfer's jars
    for attempt in range(2):
        try:
            jinfer.load("any.jinfer")
        except jinfer.JVMError as e:
            print(type(e).__name__, "jinfer's jars" in str(e))
        except Exception as e:
            print("untyped", type(e).__name__, e)
"""


def test_a_jvm_without_jinfers_jars_gives_a_clear_error_every_time() -> None:
    proc = child(NO_JARS)
    out, err = proc.communicate(timeout=120)
    assert out.splitlines() == ["JVMError True", "JVMError True"], out + err


# ---------------------------------------------------------------- models are freed


def closed(jmodel: Any) -> bool:
    """Whether the Java ``Model`` refuses work because it was closed."""
    try:
        jmodel.predict(jpype.JClass("java.util.HashMap")())
    except jpype.JException as e:
        return str(e.getClass().getName()) == "java.lang.IllegalStateException"
    return False


def test_a_model_dropped_without_close_closes_its_java_model(bundles: dict[str, Path]) -> None:
    m = jinfer.load(bundles["logreg-float32"])
    jmodel = m._jmodel
    assert not closed(jmodel)
    del m
    gc.collect()
    assert closed(jmodel)


def test_a_load_that_fails_in_python_closes_the_java_model(
    bundles: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Java accepted the bundle, then Python refused its manifest: the Java model is not kept."""
    taken: list[Any] = []

    def refuse(self: Any, jmodel: Any, path: Path) -> None:
        taken.append(jmodel)
        raise jinfer.BundleError("the manifest is refused here", code="INVALID_MANIFEST")

    monkeypatch.setattr(model_module.Model, "__init__", refuse)
    with pytest.raises(jinfer.BundleError, match="refused here"):
        jinfer.load(bundles["logreg-float32"])
    assert len(taken) == 1 and closed(taken[0])


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_many_loads_dropped_without_close_keep_memory_bounded(tmp_path: Path) -> None:
    """A 200-tree forest on 4,000 noisy rows holds about 11 MB of ONNX Runtime memory per session:
    40 loads that are never closed would add 400 MB if the sessions were kept."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    Xb, yb = make_classification(n_samples=4000, n_features=10, flip_y=0.3, random_state=0)
    big = RandomForestClassifier(n_estimators=200, random_state=0).fit(Xb, yb)
    path = jinfer.export(big, Xb[:50], tmp_path / "big.jinfer", name="big", formats=("onnx",)).path
    rows, expected = Xb[:8].astype(np.float32), big.predict(Xb[:8])
    for _ in range(40):  # warm: the allocator's arenas, the heap and the JIT's code settle (50-140 MiB here)
        np.testing.assert_array_equal(jinfer.load(path).predict(rows)["label"], expected)
    gc.collect()
    before = rss_mib()
    for _ in range(40):
        np.testing.assert_array_equal(jinfer.load(path).predict(rows)["label"], expected)
    gc.collect()
    grown = rss_mib() - before
    assert grown < 150, f"40 dropped loads grew the resident memory by {grown:.0f} MiB"


# ---------------------------------------------------------------- closing while others predict


def test_a_predict_racing_close_gets_model_closed(bundles: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The call passed Python's closed check, then close() ran before it reached Java."""
    m = jinfer.load(bundles["logreg-float32"])
    inside, proceed = threading.Event(), threading.Event()
    feeds = m._feeds

    def slow_feeds(X: Any) -> Any:
        inside.set()
        proceed.wait(30)
        return feeds(X)

    monkeypatch.setattr(m, "_feeds", slow_feeds)
    errors: list[BaseException] = []
    t = threading.Thread(target=lambda: _catch(errors, m.predict, X[:1]))
    t.start()
    assert inside.wait(30)
    m.close()
    proceed.set()
    t.join(30)
    assert len(errors) == 1 and isinstance(errors[0], JinferError), errors
    assert errors[0].code == "MODEL_CLOSED", errors[0]


def _catch(errors: list[BaseException], fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - the test looks at whatever was raised
        errors.append(e)


# ---------------------------------------------------------------- Java threads calling Python

CALLS_FROM_JAVA = """
    import sys, jinfer, custom_models as cm

    def rss_mib():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) // 1024

    spec = {"dtype": "float64", "shape": [-1, 4]}
    jinfer.register("affine", cm.affine, inputs=[{"name": "x", **spec}], outputs=[{"name": "y", **spec}])
    jinfer.run_java("Hammer", ["affine", "4", "5000"], classpath=[sys.argv[1]])  # warm
    before = rss_mib()
    jinfer.run_java("Hammer", ["affine", "4", "50000"], classpath=[sys.argv[1]])
    print("grown", rss_mib() - before)
"""


def test_java_threads_calling_python_keep_memory_bounded(tmp_path: Path) -> None:
    """200,000 calls from Java threads into a Python model: JPype 1.7.1 left a Python type behind
    per call (about 1.5 KB: 300 MB here) unless the thread keeps its Python thread state."""
    from jinfer._runtime.jvm import classpath

    root = Path(__file__).resolve().parents[2]
    hammer = str(root / "tests" / "jvm" / "javasrc" / "Hammer.java")
    javac = subprocess.run(
        ["javac", "--release", "17", "-d", str(tmp_path), "-cp", os.pathsep.join(classpath()), hammer],
        capture_output=True,
        text=True,
    )
    assert javac.returncode == 0, javac.stderr
    env = {"PYTHONPATH": str(root / "tests" / "pyfixtures"), "JINFER_JVM_ARGS": "-Xmx64m"}  # the heap aside
    proc = child(CALLS_FROM_JAVA, tmp_path, env=env)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "mismatches=0 errors=0" in out, out
    grown = int(out.split("grown")[-1])
    assert grown < 60, f"200,000 calls from Java grew the resident memory by {grown} MiB"
