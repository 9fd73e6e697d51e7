"""Writes that survive a crash at any point (no JVM).

A writer process is made to die (``os._exit``, no cleanup runs) at each file-system step of a
write in turn: the target must always hold a whole bundle, the old one or the new, or (for a
first write) nothing; what is left beside it is only ``.NAME.PID-HEX.tmp``, which the next write
removes. And a write refused by the file system (full, read-only) says so and leaves nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_bundle import files, make_manifest

from jinfer._bundle import Bundle, clean_leftovers, scratch_path, write_atomically, write_bundle

LEFTOVER = re.compile(r"\.(.+)\.(\d+)-[0-9a-f]{8}\.tmp")

# Writes the old bundle (unless asked not to), then the new one, dying at file-system step K.
CRASH = """
    import os, shutil, sys
    sys.path.insert(0, sys.argv[4])
    import jinfer._bundle as bundle_module
    from test_bundle import files, make_manifest
    target, kind, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
    as_dir = kind == "directory"
    if sys.argv[5] == "rewrite":
        bundle_module.write_bundle(target, make_manifest(description="old"), files(), as_directory=as_dir)
    calls = [0]

    def crashing(fn):
        def step_then(*args, **kwargs):
            calls[0] += 1
            if calls[0] == step:
                os._exit(17)  # dies here: no finally, no except, as under kill -9
            return fn(*args, **kwargs)
        return step_then

    for owner, name in [(os, "rename"), (os, "replace"), (os, "mkdir"), (os, "fsync"), (os, "unlink"),
                        (shutil, "rmtree"), (bundle_module, "_exchange")]:
        if hasattr(owner, name):
            setattr(owner, name, crashing(getattr(owner, name)))
    bundle_module.write_bundle(target, make_manifest(description="new"), files(), as_directory=as_dir)
    print("steps", calls[0])
"""


def crash_at(step: int, target: Path, kind: str, mode: str) -> subprocess.CompletedProcess[str]:
    tests = str(Path(__file__).parent)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CRASH), str(target), kind, str(step), tests, mode],
        capture_output=True,
        text=True,
        timeout=120,
    )


def description(target: Path) -> str | None:
    """The description of the whole bundle at ``target``, or None when there is none."""
    if not os.path.lexists(target):
        return None
    with Bundle.open(target) as b:
        b.verify()
        assert sorted(b.names()) == sorted(["manifest.json", *files()])
        return b.manifest.description


@pytest.mark.parametrize("mode", ["rewrite", "first"])
@pytest.mark.parametrize("kind", ["zip", "directory"])
def test_a_crash_at_any_step_leaves_the_old_bundle_or_the_new(kind: str, mode: str, tmp_path: Path) -> None:
    (tmp_path / "probe").mkdir()
    probe = crash_at(0, tmp_path / "probe" / "b.jinfer", kind, mode)  # step 0: no crash, count the steps
    assert probe.returncode == 0, probe.stderr
    steps = int(probe.stdout.split()[-1])
    assert steps >= 3
    targets = []
    for step in range(1, steps + 1):
        (tmp_path / f"step{step}").mkdir()
        targets.append(tmp_path / f"step{step}" / "b.jinfer")
    with ThreadPoolExecutor(4) as pool:  # one process per step, a few at a time
        runs = list(pool.map(lambda st: crash_at(st[0], st[1], kind, mode), enumerate(targets, 1)))
    for step, (target, r) in enumerate(zip(targets, runs), 1):
        assert r.returncode == 17, r.stderr
        found = description(target)
        allowed = {"old", "new"} if mode == "rewrite" else {None, "new"}
        assert found in allowed, f"crash at step {step} of {steps} left {found!r} at the target"
        others = [p.name for p in target.parent.iterdir() if p.name != "b.jinfer"]
        assert all(LEFTOVER.fullmatch(n) for n in others), others
        # the next write removes what the dead writer left, and succeeds
        write_bundle(target, make_manifest(description="next"), files(), as_directory=kind == "directory")
        assert description(target) == "next"
        assert [p.name for p in target.parent.iterdir()] == ["b.jinfer"]


def test_leftovers_of_live_writers_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "b.jinfer"
    mine = scratch_path(target)
    mine.write_bytes(b"being written")
    dead = tmp_path / f".b.jinfer.{_dead_pid()}-0123abcd.tmp"
    dead.mkdir()
    (dead / "x").write_bytes(b"half")
    foreign = tmp_path / ".other.jinfer.1-0123abcd.tmp"
    foreign.write_bytes(b"not this target's")
    assert clean_leftovers(target) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, foreign.name])


def _dead_pid() -> int:
    """The pid of a process that has ended."""
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(p.stdout)


def test_write_atomically_replaces_whole(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old")
    write_atomically(out, b"new,content\n")
    assert out.read_bytes() == b"new,content\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]
