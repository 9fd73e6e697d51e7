"""``jinfer run-java``: start the JVM inside this CPython and run a Java ``main`` there.

The Java program then has the python backend: it can call real Python models in-process. The
exit status is the program's: ``System.exit(n)`` gives ``n``, an uncaught Java exception gives 1
with its stack trace on stderr, a normal return gives 0. The JVM keeps Java's signal handlers, as
``java`` would: Ctrl-C or SIGTERM run the program's shutdown hooks and end the process (130, 143).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import jpype

from . import pyhost  # noqa: F401 - registers the host's start hook: the program can call Python models
from .jvm import start

__all__ = ["run_java"]


def run_java(main_class: str, args: Sequence[str] = (), classpath: Sequence[str] | str = ()) -> int:
    """Run ``main_class.main(args)`` in this process's JVM, with jinfer's jars and ``classpath``.

    Returns the exit status (``System.exit`` ends the process itself, with its status).
    """
    cp = classpath.split(os.pathsep) if isinstance(classpath, str) else list(classpath)
    start(extra_classpath=[c for c in cp if c], java_signals=True)  # Ctrl-C runs the program's shutdown hooks
    try:
        cls = jpype.JClass(main_class)
    except Exception as e:  # noqa: BLE001 - JPype raises TypeError/ClassNotFound flavours here
        print(
            f"jinfer: error: cannot load main class {main_class}: {e}; is it on -cp {os.pathsep.join(cp)}?",
            file=sys.stderr,
        )
        return 2
    if not hasattr(cls, "main"):
        print(
            f"jinfer: error: class {main_class} has no main method; expected public static void main(String[] args)",
            file=sys.stderr,
        )
        return 2
    try:
        cls.main(jpype.JArray(jpype.JString)([str(a) for a in args]))
    except jpype.JException as e:
        _flush_java()
        trace = str(e.stacktrace())
        sys.stderr.write(f'Exception in thread "main" {trace}' + ("" if trace.endswith("\n") else "\n"))
        sys.stderr.flush()
        return 1
    _flush_java()
    return 0


def _flush_java() -> None:
    System = jpype.JClass("java.lang.System")
    System.out.flush()
    System.err.flush()
