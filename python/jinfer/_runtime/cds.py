"""The class-data archive (AppCDS) jinfer keeps for the JVM it starts from Python.

A fresh JVM spends most of its first ``load`` loading classes from jars. HotSpot can map them in
from an archive instead (``-XX:SharedArchiveFile``), which a JVM writes when it exits if it was
started with ``-XX:ArchiveClassesAtExit``. jinfer does that for the JVM it starts: the first
process with a given JDK, jar set and options writes the archive as it exits, and every later one
maps it in (issue 17, item 9; README, "Start-up time"; docs/decisions.md).

- **Where**: ``$JINFER_CACHE_DIR``, else ``$XDG_CACHE_HOME/jinfer``, else ``~/.cache/jinfer``, in
  ``cds/``. ``JINFER_CDS=0`` turns it off; so does any class-data option of the user's own.
- **Keyed** by what the archive depends on: the JVM library (path, size, time), every classpath
  entry (path, size, time), JPype's version (its jar is on the classpath) and the options. A JVM
  also refuses an archive that no longer matches: the key only keeps it from trying.
- **Never half-written**: the JVM writes ``KEY.PID.tmp``; after the JVM has shut down (an
  ``atexit`` step, which shuts it down itself, before JPype's own), the file is renamed
  ``KEY.DIGEST.jsa``, its name holding the first 32 hex digits of its sha256. A process that
  dies first leaves only its ``.tmp``, never read; one that finds an archive of its key already
  kept (a process started before it was) drops its own.
- **Checked before use**: an archive whose bytes do not match the digest in its name (a truncated
  one crashes the JVM) is deleted and the process makes a new one. Each use sets its time; an
  archive unused for 30 days (old jars, an old JDK) is deleted when a process makes a new one.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import jpype

__all__ = ["archive_options", "cache_dir"]

_USERS_OWN = ("-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit", "-Xshare", "-XX:SharedClassListFile")
_QUIET = "-Xlog:cds=off,cds+dynamic=off"  # an archive the JVM refuses (or skips a class of) is no news
_DIGITS = 32
_STALE_TMP_S = 24 * 3600  # a .tmp this old is a process that died before its JVM wrote it out
_UNUSED_S = 30 * 24 * 3600  # an archive no start has mapped in for this long is for old jars or an old JDK


def cache_dir() -> Path:
    """Where the archives are kept (``cds/`` under jinfer's cache directory)."""
    root = os.environ.get("JINFER_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = str(Path(xdg) / "jinfer") if xdg else str(Path.home() / ".cache" / "jinfer")
    return Path(root) / "cds"


def archive_options(classpath: Sequence[str], options: Sequence[str]) -> list[str]:
    """The options that give the JVM about to start (``classpath``, ``options``) its archive:
    ``-XX:SharedArchiveFile`` when a sound one is kept, else ``-XX:ArchiveClassesAtExit`` (and an
    ``atexit`` step that keeps what the JVM writes). Empty when turned off or not possible: the JVM
    archives classes from jar files only, and a JVM asked to write an archive with a folder of
    classes on its classpath ("Cannot have non-empty directory in paths") fails at exit, exit
    status 1, after the program's work is done."""
    if os.environ.get("JINFER_CDS") == "0" or any(o.startswith(_USERS_OWN) for o in options):
        return []
    if not all(os.path.isfile(p) for p in classpath):  # a folder (extra_classpath=[classes/]), or none
        return []
    d = cache_dir()
    key = _key(classpath, options)
    found = _sound_archive(d, key)
    if found is not None:
        return [f"-XX:SharedArchiveFile={found}", _QUIET]
    try:
        d.mkdir(parents=True, exist_ok=True)
        _remove_stale(d)
    except OSError:
        return []  # a cache directory we cannot write: start without an archive
    tmp = d / f"{key}.{os.getpid()}.tmp"
    atexit.register(_keep, d, key, tmp)
    return [f"-XX:ArchiveClassesAtExit={tmp}", _QUIET]


def _key(classpath: Sequence[str], options: Sequence[str]) -> str:
    def stat(path: str) -> list[object]:
        try:
            s = os.stat(path)
            return [os.path.abspath(path), s.st_size, s.st_mtime_ns]
        except OSError:
            return [path]

    facts = {
        "jvm": stat(jpype.getDefaultJVMPath()),
        "jpype": jpype.__version__,
        "classpath": [stat(c) for c in classpath],
        "options": list(options),
    }
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:_DIGITS]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:_DIGITS]


def _sound_archive(d: Path, key: str) -> Path | None:
    """The kept archive of ``key`` whose bytes match its name; unsound ones are deleted."""
    for p in sorted(d.glob(f"{key}.*.jsa")):
        try:
            if _digest(p) == p.name.split(".")[1]:
                os.utime(p)  # its time says when it was last used: see _remove_stale
                return p
            p.unlink()
        except OSError:
            continue
    return None


def _remove_stale(d: Path) -> None:
    """Leftovers: a ``.tmp`` older than a day, an archive no start has used for 30 days."""
    now = time.time()
    for pattern, age in (("*.tmp", _STALE_TMP_S), ("*.jsa", _UNUSED_S)):
        for p in d.glob(pattern):
            try:
                if now - p.stat().st_mtime > age:
                    p.unlink()
            except OSError:
                pass


def _keep(d: Path, key: str, tmp: Path) -> None:
    """At exit: shut the JVM down (which writes the archive), then give it its final name."""
    import _jpype
    import jpype.config

    try:
        if jpype.isJVMStarted() and jpype.config.onexit:
            _jpype.shutdown(jpype.config.destroy_jvm, False)  # as JPype's own atexit step does
    except RuntimeError:
        pass
    try:  # another process with the same key may have kept one meanwhile: one is enough
        if tmp.exists() and tmp.stat().st_size > 0 and not any(d.glob(f"{key}.*.jsa")):
            os.replace(tmp, d / f"{key}.{_digest(tmp)}.jsa")
    except OSError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
