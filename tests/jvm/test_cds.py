"""The class-data archive jinfer keeps for the JVM it starts from Python (``jinfer._runtime.cds``),
seen from fresh processes: made once by a clean exit, then mapped in (the JVM's own class-loading
log says so), a damaged one deleted and made again, and a process that dies before its JVM writes
one out leaves nothing that a later one reads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jinfer._runtime import cds

SCRIPT = r"""
import os, sys
import numpy as np
import jinfer
with jinfer.load(sys.argv[1]) as m:
    out = m.predict(np.zeros((1, 4), np.float32))
print("label", out["label"].shape)
if sys.argv[2:] == ["die"]:
    os._exit(0)  # no atexit step: the JVM never writes its archive out
"""


def run(bundle: Path, cache: Path, log: Path, *extra: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JINFER_CDS"}
    env["JINFER_CACHE_DIR"] = str(cache)
    env["JINFER_JVM_ARGS"] = f"-Xlog:class+load:file={log}"  # the same in every run: one key
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(bundle), *extra], env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "label (1,)" in r.stdout
    assert "cds" not in r.stdout + r.stderr, r.stdout + r.stderr  # the JVM's archive messages stay quiet


def kept(cache: Path) -> list[Path]:
    return sorted((cache / "cds").glob("*.jsa"))


def from_archive(log: Path) -> int:
    """How many classes the JVM took from jinfer's archive (the dynamic, "top" layer)."""
    return sum("io.jinfer." in line and "shared objects file (top)" in line for line in log.read_text().splitlines())


@pytest.fixture
def bundle(bundles: dict[str, Path]) -> Path:
    return bundles["logreg-float32"]


def test_the_first_process_makes_the_archive_and_the_next_maps_it_in(bundle: Path, tmp_path: Path) -> None:
    cache, log = tmp_path / "cache", tmp_path / "classes.log"
    run(bundle, cache, log)
    assert from_archive(log) == 0
    [archive] = kept(cache)
    assert not list((cache / "cds").glob("*.tmp"))
    made = archive.stat()
    run(bundle, cache, log)
    assert from_archive(log) > 10  # io.jinfer.Models, Manifest, Bundle... came from the archive
    assert kept(cache) == [archive] and archive.stat().st_ino == made.st_ino  # reused, not made again
    assert archive.stat().st_mtime_ns > made.st_mtime_ns  # and its time says it was used


def test_a_damaged_archive_is_deleted_and_made_again(bundle: Path, tmp_path: Path) -> None:
    cache, log = tmp_path / "cache", tmp_path / "classes.log"
    run(bundle, cache, log)
    [archive] = kept(cache)
    archive.chmod(0o644)
    archive.write_bytes(archive.read_bytes()[:4096])  # truncated: a JVM given it as it is crashes
    run(bundle, cache, log)
    assert from_archive(log) == 0 and not archive.exists()
    assert len(kept(cache)) == 1  # made again as that process exited
    run(bundle, cache, log)
    assert from_archive(log) > 10


def test_an_archive_unused_for_a_month_goes_when_a_new_one_is_made(bundle: Path, tmp_path: Path) -> None:
    cache, log = tmp_path / "cache", tmp_path / "classes.log"
    (cache / "cds").mkdir(parents=True)
    old, recent = cache / "cds" / "0123.4567.jsa", cache / "cds" / "89ab.cdef.jsa"  # other keys' archives
    for p, days in ((old, 31), (recent, 29)):
        p.write_bytes(b"archive")
        os.utime(p, (time.time() - days * 86400,) * 2)
    run(bundle, cache, log)
    assert not old.exists() and recent.exists()
    assert len(kept(cache)) == 2  # the recent one and this process's own


def test_a_process_that_dies_before_its_jvm_writes_the_archive_leaves_none(bundle: Path, tmp_path: Path) -> None:
    cache, log = tmp_path / "cache", tmp_path / "classes.log"
    run(bundle, cache, log, "die")
    assert kept(cache) == []  # at most its .tmp, which no process reads
    run(bundle, cache, log)
    assert from_archive(log) == 0
    assert len(kept(cache)) == 1


def test_no_archive_when_turned_off_or_when_the_options_name_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINFER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("JINFER_CDS", raising=False)
    for own in ("-XX:SharedArchiveFile=app.jsa", "-XX:ArchiveClassesAtExit=app.jsa", "-Xshare:off"):
        assert cds.archive_options([__file__], ["-Xmx1g", own]) == []
    monkeypatch.setenv("JINFER_CDS", "0")
    assert cds.archive_options([__file__], ["-Xmx1g"]) == []
    assert not (tmp_path / "cds").exists()


FOLDER_SCRIPT = r"""
import sys
import numpy as np
import jinfer
with jinfer.jvm(extra_classpath=[sys.argv[2]]), jinfer.load(sys.argv[1]) as m:
    print("label", m.predict(np.zeros((1, 4), np.float32))["label"].shape)
"""


def test_a_folder_of_classes_on_the_classpath_starts_without_an_archive_and_exits_cleanly(
    bundle: Path, tmp_path: Path
) -> None:
    """The JVM archives classes from jars only: asked to write one with a non-empty folder on its
    classpath, it failed at exit, after the work, with status 1 (a bench run met it)."""
    classes = tmp_path / "classes"
    (classes / "com" / "example").mkdir(parents=True)
    (classes / "com" / "example" / "Nothing.class").write_bytes(b"\xca\xfe\xba\xbe")
    env = {k: v for k, v in os.environ.items() if k != "JINFER_CDS"}
    env["JINFER_CACHE_DIR"] = str(tmp_path / "cache")
    r = subprocess.run(
        [sys.executable, "-c", FOLDER_SCRIPT, str(bundle), str(classes)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "label (1,)" in r.stdout
    assert kept(tmp_path / "cache") == [] and not list((tmp_path / "cache").glob("cds/*.tmp"))


def test_a_process_that_started_before_the_archive_was_kept_keeps_no_second(bundle: Path, tmp_path: Path) -> None:
    cache, log = tmp_path / "cache", tmp_path / "classes.log"
    env = {k: v for k, v in os.environ.items() if k != "JINFER_CDS"}
    env.update(JINFER_CACHE_DIR=str(cache), JINFER_JVM_ARGS=f"-Xlog:class+load:file={log}")
    code = "import sys, jinfer; jinfer.load(sys.argv[1]).close(); print('loaded', flush=True); sys.stdin.read()"
    early = subprocess.Popen(
        [sys.executable, "-c", code, str(bundle)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert early.stdout is not None and early.stdout.readline() == "loaded\n"  # its JVM runs, without one
        run(bundle, cache, log)
        [archive] = kept(cache)
    finally:
        _, err = early.communicate("", timeout=300)
    assert early.returncode == 0, err
    assert kept(cache) == [archive] and not list((cache / "cds").glob("*.tmp"))
