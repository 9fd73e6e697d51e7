"""What the shipping tests share: where things are, and how a command runs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()
GRADLE = os.environ.get("GRADLE", "gradle")
REPO = ROOT / "build" / "repo"
# Maven's local repository for the consumer builds: Maven Central's artifacts stay cached there,
# and io.jinfer is removed once a session so that it comes from build/repo, never from a cache.
MAVEN_LOCAL = ROOT / "build" / "m2"


def run(
    cmd: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Runs ``cmd``; with ``check``, a failure shows its output."""
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if check:
        assert r.returncode == 0, f"{' '.join(map(str, cmd))} exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def clean_env() -> dict[str, str]:
    """The environment of a user's shell: nothing that points Python at this checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JINFER_JARS", "VIRTUAL_ENV")}
