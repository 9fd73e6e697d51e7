"""The options the tests start their JVMs with."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# a JVM that a native crash kills (ONNX Runtime's SIGFPE, say) writes its report here, not into the
# working directory, which is the repository's root under pytest
JVM_ARGS = (f"-XX:ErrorFile={ROOT / 'build' / 'hs_err_pid%p.log'}",)
