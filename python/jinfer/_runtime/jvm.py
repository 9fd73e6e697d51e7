"""The one JVM of this process, started with jinfer's jars.

JPype can start the JVM once per process and never restart it. jinfer makes that explicit:
``start()`` is idempotent for the same settings and raises :class:`JVMError` when asked for
different ones after the start. Code here never uses ``import java.…``: the repository's top-level
``java/`` folder would shadow it (see DESIGN.md); it uses ``jpype.JClass`` instead.

Modules that need the JVM once it is up (the python-backend host installs itself in it) register
a hook with :func:`on_start`, as JPype's ``onJVMStart`` does; this module imports none of them.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import shlex
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jpype

from .._exceptions import BackendError, BundleError, InputError, JinferError, JVMError
from . import cds

__all__ = [
    "DEFAULT_GC",
    "DEFAULT_HEAP",
    "DEFAULT_MAX_HEAP",
    "classpath",
    "is_started",
    "java_errors",
    "jclass",
    "jvm",
    "jvm_options",
    "on_start",
    "start",
    "translate_java_error",
]

_lock = threading.Lock()
_settings: tuple[tuple[str, ...], tuple[str, ...]] | None = None
_hooks: list[Callable[[], None]] = []

DEFAULT_MAX_HEAP = "-Xmx1g"
DEFAULT_HEAP = ("-Xms256m", DEFAULT_MAX_HEAP)
"""The heap sizes of the JVM jinfer starts, unless the options name one (then none of these): a
1 GiB bound, and a 256 MiB floor that keeps G1 from shrinking the heap to its live data and growing
it back under load (docs/decisions.md, "The heap of the JVM jinfer starts"). ``jinfer run-java``,
a Java program's JVM, gets the bound alone."""
DEFAULT_GC = ("-XX:+ExplicitGCInvokesConcurrent",)
"""Unless the options say how to take ``System.gc()``: as a concurrent cycle. JPype calls it after
Python's collections when the process grows, and G1's full collections there (0.2 to 0.9 s) made it
shrink the heap, then count the pause against itself and grow the heap again."""
_EXPLICIT_GC_OPTIONS = ("ExplicitGCInvokesConcurrent", "DisableExplicitGC")
_HEAP_OPTIONS = (
    *("-Xmx", "-Xms", "-XX:MaxHeapSize=", "-XX:InitialHeapSize=", "-XX:MinHeapSize="),
    *("-XX:MaxRAM=", "-XX:MaxRAMPercentage=", "-XX:InitialRAMPercentage=", "-XX:MinRAMPercentage="),
)


def on_start(hook: Callable[[], None]) -> Callable[[], None]:
    """Call ``hook()`` once jinfer has the JVM: at once if it has it already, else right after
    :func:`start` starts it (or adopts one started elsewhere). Returns ``hook`` (a decorator).
    A hook registered while the JVM is starting may be called twice: make it idempotent."""
    with _lock:
        _hooks.append(hook)
        ready = _settings is not None
    if ready:
        hook()
    return hook


def _started() -> None:
    for hook in list(_hooks):
        hook()


def jars_dir() -> Path:
    """Where ``gradle pythonJars`` puts jinfer's jar and its runtime jars."""
    return Path(os.environ.get("JINFER_JARS", Path(__file__).parent.parent / "jars"))


def classpath(extra: Sequence[str] = ()) -> list[str]:
    """jinfer's jars, JPMML's (from the jpmml-evaluator wheel, when installed), then ``extra``.

    Raises :class:`JVMError` when jinfer's own jars are missing.
    """
    d = jars_dir()
    jars = sorted(str(p) for p in d.glob("*.jar"))
    if not any(Path(j).name.startswith("jinfer-") for j in jars):
        raise JVMError(
            f"jinfer's jars are missing from {d}; build them with `make jars` "
            "(gradle pythonJars) or set JINFER_JARS to a directory holding them"
        )
    have = {_artifact(Path(j).name) for j in jars}
    pmml = [j for j in jpmml_jars() if _artifact(Path(j).name) not in have]
    return jars + pmml + [str(e) for e in extra]


def jpmml_jars() -> list[str]:
    """The JPMML-Evaluator jars that the ``jpmml-evaluator`` wheel ships, so a pip user needs no
    Maven for the PMML backend. Empty when the wheel is absent or ``JINFER_NO_PMML=1``."""
    if os.environ.get("JINFER_NO_PMML") == "1":
        return []
    # found, not imported: importing it imports pandas, 0.2 s of every start (issue 17, item 9)
    spec = importlib.util.find_spec("jpmml_evaluator")
    if spec is None or spec.origin is None:
        return []
    root = Path(spec.origin).parent
    return sorted(str(p) for sub in ("dependencies", "resources") for p in (root / sub).glob("*.jar"))


def _artifact(jar_name: str) -> str:
    """``jackson-core-2.19.4.jar`` -> ``jackson-core``."""
    parts = jar_name[: -len(".jar")].split("-")
    while len(parts) > 1 and parts[-1][:1].isdigit():
        parts.pop()
    return "-".join(parts)


def is_started() -> bool:
    return bool(jpype.isJVMStarted())


def start(extra_classpath: Sequence[str] = (), jvm_args: Sequence[str] = (), *, java_signals: bool = False) -> None:
    """Start the JVM with jinfer's jars, once. Calling again with the same settings is a no-op.

    The JVM gets ``jvm_args`` after the options of ``JINFER_JVM_ARGS`` (split as a shell would),
    the heap sizes :data:`DEFAULT_HEAP` unless they name one, and :data:`DEFAULT_GC` unless they
    name its setting. It leaves SIGINT, SIGTERM
    and SIGHUP to Python (``-Xrs``): Ctrl-C raises ``KeyboardInterrupt`` and Python's handlers
    run, as they would without a JVM. ``java_signals=True`` (``jinfer run-java``) keeps Java's
    handlers instead, so that a Java program's shutdown hooks run on Ctrl-C. ONNX Runtime's
    telemetry is off (``ORT_DISABLE_TELEMETRY=1``) unless that variable is set already. Unless
    ``java_signals``, the JVM maps in the class-data archive jinfer keeps for these jars and
    options, or writes one as the process exits (:mod:`jinfer._runtime.cds`; ``JINFER_CDS=0``
    turns it off).

    Raises :class:`JVMError` if the JVM is already running with other settings (JPype cannot
    restart it), or if a JVM started elsewhere lacks jinfer's classes (each time it is asked).
    """
    global _settings
    wanted = (tuple(str(c) for c in extra_classpath), tuple(jvm_args))
    with _lock:
        if jpype.isJVMStarted():
            if _settings is None:
                _require_jinfer_classes()  # started by someone else: accept it if jinfer is on it
                _settings = wanted
                _started()
            elif wanted != _settings and (wanted[0] or wanted[1]):
                raise JVMError(
                    "the JVM of this process is already running with classpath extras "
                    f"{list(_settings[0])} and options {list(_settings[1])}; JPype cannot restart it, "
                    f"so it cannot take {list(wanted[0])} / {list(wanted[1])}. Start a new process, "
                    "or pass the same settings to the first jinfer.jvm() call"
                )
            return
        if "_jep" in sys.modules:
            raise JVMError(
                "this Python is embedded in a JVM through Jep (jinfer's python backend in a plain JVM), and "
                "JPype cannot start a second JVM in that process; Jep and JPype never share one. Code that a "
                "python artifact runs cannot call jinfer.load or jinfer.jvm: predict in Python directly"
            )
        cp = classpath(extra_classpath)
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # no mat-debug-<pid>.log, no upload
        options = jvm_options(jvm_args, java_signals)
        if not java_signals:  # a Java program's JVM (run-java) exits by itself, not through atexit
            options += cds.archive_options(cp, options)  # the class-data archive jinfer keeps (README)
        try:
            jpype.startJVM(*options, classpath=cp, convertStrings=False, interrupt=False)
        except OSError as e:
            raise JVMError(f"cannot start the JVM: {e}; ensure JAVA_HOME points to a JDK 17 or newer") from e
        _settings = wanted
        _bound_collections()
    _started()  # this JVM is hosted by Python: the hooks (the python-backend host among them) run now


PYTHON_GC_MIN_INTERVAL_MS = 1000
PYTHON_GC_COST_FACTOR = 100
"""After a Java collection, Python's full collection runs at most once a second, and at most 1% of
the time (100 times its own duration apart): :func:`_bound_collections`."""
_collect_proxy: Any = None  # the Runnable Java calls; held here for the JVM's life


def _bound_collections() -> None:
    """Bound JPype's link from Java's collector to Python's in the JVM jinfer started. JPype runs a
    full Python collection, holding the GIL, after every Java collection, young ones included; a
    JPMML batch makes several a second, and in a process holding pandas and scikit-learn each took
    30-40 ms: half of the time on one of the two cores (docs/decisions.md, "PMML from Python,
    round two"). ``io.jinfer.bridge.PythonCollections`` keeps the link at a bounded share of the
    time. ``JINFER_JPYPE_GC_LINK=1`` keeps JPype's own, unbounded; so does a JVM started by
    someone else, or a JPype whose queue is laid out otherwise."""
    global _collect_proxy
    if os.environ.get("JINFER_JPYPE_GC_LINK") == "1":
        return
    _collect_proxy = jpype.JProxy("java.lang.Runnable", dict={"run": _python_collect})
    jpype.JClass("io.jinfer.bridge.PythonCollections").install(
        _collect_proxy, PYTHON_GC_MIN_INTERVAL_MS, PYTHON_GC_COST_FACTOR
    )


def _python_collect() -> None:
    """Python's full collection, as JPype runs it after Java's (not while Python shuts down)."""
    if not sys.is_finalizing():
        gc.collect()


def jvm_options(jvm_args: Sequence[str] = (), java_signals: bool = False) -> list[str]:
    """The options jinfer starts the JVM with: ``JINFER_JVM_ARGS``, then ``jvm_args``, with the
    heap sizes and the handling of ``System.gc()`` added unless those name them, and ``-Xrs``.
    With ``java_signals`` (``jinfer run-java``: the JVM is a Java program's, which keeps Java's
    signal handlers and its own ``System.gc()``) only the heap bound is added: a program that
    allocates little would take minutes to touch the eden of a 256 MiB floor."""
    options = [*shlex.split(os.environ.get("JINFER_JVM_ARGS", "")), *jvm_args]
    added = [] if java_signals or "-Xrs" in options else ["-Xrs"]
    if not any(o.startswith(_HEAP_OPTIONS) for o in options):
        added.extend([DEFAULT_MAX_HEAP] if java_signals else DEFAULT_HEAP)
    if not java_signals and not any(
        o.startswith("-XX:") and o.lstrip("-X:+").endswith(_EXPLICIT_GC_OPTIONS) for o in options
    ):
        added.extend(DEFAULT_GC)
    return added + options


def _require_jinfer_classes() -> None:
    try:
        jpype.JClass("io.jinfer.Models")
    except Exception as e:
        raise JVMError(
            "the JVM was started before jinfer, without jinfer's jars on its classpath; "
            "call jinfer.jvm() (or jinfer.load) before starting the JVM yourself"
        ) from e


@contextmanager
def jvm(extra_classpath: Sequence[str] = (), jvm_args: Sequence[str] = ()) -> Iterator[None]:
    """Make sure the JVM is running for the block. It stays up afterwards: JPype cannot restart it."""
    start(extra_classpath, jvm_args)
    yield


@contextmanager
def java_errors() -> Iterator[None]:
    """Re-raise Java exceptions as jinfer's Python exceptions, keeping class name and message."""
    try:
        yield
    except jpype.JException as e:
        raise translated(e) from None


def translated(e: BaseException) -> BaseException:
    """jinfer's Python exception for a Java one (keeping class name and message), or ``e`` itself."""
    return translate_java_error(e) or e


def jclass(name: str) -> Any:
    """A Java class by name, starting the JVM first if needed."""
    start()
    return jpype.JClass(name)


_KINDS: dict[str, type[JinferError]] = {
    "io.jinfer.BundleException": BundleError,
    "io.jinfer.InputException": InputError,
    "io.jinfer.BackendException": BackendError,
}


def translate_java_error(exc: BaseException) -> JinferError | None:
    """The jinfer error for a Java exception that crossed into Python, keeping class and message:
    the Python kind of the nearest jinfer class it is an instance of (``PythonException``, a
    ``BackendException``, gives :class:`BackendError`).

    Returns None for exceptions that are not Java ones.
    """
    if not isinstance(exc, jpype.JException):
        return None
    cls = str(exc.getClass().getName())
    msg = str(exc.getMessage()) if exc.getMessage() is not None else cls
    kind = next((k for name, k in _KINDS.items() if jpype.JClass(name).class_.isInstance(exc)), None)
    if kind is None and jpype.JClass("io.jinfer.JinferException").class_.isInstance(exc):
        kind = JinferError
    if kind is None:
        if cls in ("java.lang.IllegalArgumentException",):
            return InputError(msg, code="INVALID_VALUE", java_class=cls)
        return BackendError(f"{cls}: {msg}", code="BACKEND_FAILURE", java_class=cls)
    return kind(msg, code=str(exc.code().name()), java_class=cls)
