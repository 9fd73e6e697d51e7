"""What a run was measured on: the machine, the versions of everything measured, and the commit."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from common import Results


def machine(results: Results) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    osname = platform.platform()
    try:
        pretty = next(
            line for line in Path("/etc/os-release").read_text().splitlines() if line.startswith("PRETTY_NAME")
        )
        osname = pretty.split("=", 1)[1].strip('"') + f" (Linux {platform.release()})"
    except (OSError, StopIteration):
        pass
    java = results.info.get("java", {})
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} (the JVM sees {java.get('processors', '?')})",
        "memory": mem,
        "OS": osname,
        "load average at start / end": f"{results.info.get('load_start', '?')} / {results.info.get('load_end', '?')}",
    }


def versions(results: Results) -> dict[str, str]:
    def v(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    java = results.info.get("java", {})
    return {
        "Java": f"{java.get('java_version', '?')} ({java.get('java_vm', '?')})",
        "ONNX Runtime": f"Java {java.get('onnxruntime_java', '?')}, Python {v('onnxruntime')}",
        "Python": platform.python_version(),
        "numpy": v("numpy"),
        "scikit-learn": v("scikit-learn"),
        "JPype": v("JPype1"),
        "skl2onnx": v("skl2onnx"),
        "FastAPI / uvicorn": f"{v('fastapi')} / {v('uvicorn')}",
        "jinfer": f"{v('jinfer')} (commit {git_commit()})",
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=Path(__file__).parent, timeout=10
        ).stdout.strip()
        return out.stdout.strip() + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"
