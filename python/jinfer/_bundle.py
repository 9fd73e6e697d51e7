"""Reading and writing bundles: a zip file or a directory with ``manifest.json`` and artifacts.

Reading follows ``docs/bundle-format.md`` ("Reading rules"), as Java's ``io.jinfer.Bundle`` does:
every file is indexed before one is read (safe names, the number of files and their declared
sizes within the :class:`~jinfer._limits.Limits`); a file yields exactly the size it declared,
its CRC-32 checked in a zip, counted against the bundle's budget; an artifact's size and sha256
are checked before it is handed out, and an ONNX artifact that keeps tensors outside itself is
refused unless the manifest lists the file.

Writing is atomic, even when the process is killed: a bundle appears complete or not at all, and
a directory bundle written over another is swapped in whole (Linux ``renameat2`` with
``RENAME_EXCHANGE``), so the path always holds the old bundle or the new one. Everything written
on the way lives beside the target as ``.NAME.PID-HEX.tmp`` (:func:`scratch_path`), the one
pattern a killed writer leaves behind; the next write to that path removes those whose process is
gone (:func:`clean_leftovers`). docs/reliability.md states the guarantee.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import io
import os
import re
import secrets
import shutil
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from ._dtypes import dtype_of
from ._exceptions import BundleError
from ._limits import Limits
from ._manifest import Artifact, Manifest, unsafe_path_reason
from ._npy import read_npz
from ._onnx_external import check_external_data
from ._zip import SafeZip, add_size, check_length, too_many

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Bundle",
    "Limits",
    "clean_leftovers",
    "npz_bytes",
    "scratch",
    "scratch_dir",
    "scratch_path",
    "sha256_bytes",
    "write_atomically",
    "write_bundle",
]

DEFAULT_MAX_BYTES = Limits().max_bundle_bytes
MANIFEST = "manifest.json"
PARITY_INPUTS = "parity/inputs.npz"
PARITY_EXPECTED = "parity/expected.npz"

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def sha256_bytes(data: bytes) -> str:
    """The sha256 of ``data`` as 64 lowercase hex digits, as the manifest records it."""
    return hashlib.sha256(data).hexdigest()


class Bundle:
    """An open bundle: its manifest, and checked access to the files it holds.

    Open one with :meth:`open`; use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: Path, sizes: dict[str, int], zf: SafeZip | None, limits: Limits) -> None:
        self._path = path
        self._sizes = dict(sorted(sizes.items()))  # name -> declared (zip) or measured (directory) size
        self._zip = zf
        self._limits = limits
        self._read = 0  # bytes read so far, against limits.max_bundle_bytes
        self._closed = False
        self._manifest: Manifest | None = None

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, max_bytes: int | None = None, limits: Limits | None = None
    ) -> Bundle:
        """Open the bundle at ``path`` (a zip file or a directory) and validate its manifest.

        ``limits`` bounds what the bundle may hold (default :class:`Limits`); ``max_bytes`` is a
        shorthand for ``limits.replace(max_bundle_bytes=max_bytes)``. Raises ``BundleError`` with
        code ``BUNDLE_NOT_FOUND``, ``BUNDLE_CORRUPT``, ``UNSAFE_PATH``, ``BUNDLE_TOO_LARGE`` (a
        limit passed), ``INVALID_MANIFEST``, ``UNSUPPORTED_VERSION``, ``ARTIFACT_MISSING`` or
        ``CHECKSUM_MISMATCH`` (an artifact's size differs).
        """
        limits = limits or Limits()
        if max_bytes is not None:
            limits = limits.replace(max_bundle_bytes=max_bytes)
        p = Path(path)
        if not p.exists():
            raise BundleError(f"no bundle at {p}: no such file or directory", code="BUNDLE_NOT_FOUND")
        if p.is_dir():
            bundle = cls(p, _scan_directory(p, limits), None, limits)
        else:
            zf = SafeZip(p, str(p), limits, budget=limits.max_bundle_bytes, code="BUNDLE_CORRUPT", paths=True)
            bundle = cls(p, zf.sizes, zf, limits)
        try:
            bundle._load()
        except BaseException:
            bundle.close()
            raise
        return bundle

    def _load(self) -> None:
        if MANIFEST not in self._sizes:
            raise BundleError(
                f"{self._path} has no {MANIFEST} at its root; is it a jinfer bundle?", code="INVALID_MANIFEST"
            )
        if self._sizes[MANIFEST] > self._limits.max_manifest_bytes:
            raise BundleError(
                f"{self._path}: {MANIFEST} is {self._sizes[MANIFEST]} bytes, over the bound of "
                f"{self._limits.max_manifest_bytes} (Limits.max_manifest_bytes)",
                code="BUNDLE_TOO_LARGE",
            )
        try:
            manifest = Manifest.from_json(self.read(MANIFEST), self._limits)
        except BundleError as e:
            raise BundleError(f"{self._path}: {e.message}", code=e.code) from None
        for a in manifest.artifacts:
            if a.path not in self._sizes:
                raise BundleError(
                    f"{self._path}: artifact {a.path} ({a.backend}) is listed in {MANIFEST} but not in the bundle",
                    code="ARTIFACT_MISSING",
                )
            if self._sizes[a.path] != a.bytes:
                raise _mismatch(self._path, a, f"is {self._sizes[a.path]} bytes, {MANIFEST} says {a.bytes}")
        self._manifest = manifest

    @property
    def path(self) -> Path:
        return self._path

    @property
    def manifest(self) -> Manifest:
        assert self._manifest is not None
        return self._manifest

    @property
    def limits(self) -> Limits:
        """The limits the bundle was opened with."""
        return self._limits

    @property
    def is_zip(self) -> bool:
        return self._zip is not None

    def names(self) -> list[str]:
        """The files in the bundle, as sorted ``/``-separated relative names."""
        return list(self._sizes)

    def remaining_bytes(self) -> int:
        """How many more bytes may be read: ``limits.max_bundle_bytes`` less what has been read."""
        return max(0, self._limits.max_bundle_bytes - self._read)

    def read(self, name: str) -> bytes:
        """The bytes of the file ``name``: exactly the size it declared, its CRC-32 checked in a zip."""
        self._check_open()
        if name not in self._sizes:
            raise KeyError(f"bundle {self._path} has no file {name!r}; it holds {self.names()}")
        size = self._sizes[name]
        if size > self.remaining_bytes():
            raise BundleError(
                f"{self._path} holds more than {self._limits.max_bundle_bytes} uncompressed bytes (the bound); "
                f"raise Limits.max_bundle_bytes if you trust it",
                code="BUNDLE_TOO_LARGE",
            )
        if self._zip is not None:
            data = self._zip.read(name)
        else:
            data = _read_file(self._path, name, size)
        self._read += len(data)
        return data

    def read_artifact(self, artifact: Artifact) -> bytes:
        """The artifact's bytes, after checking its size and sha256 against the manifest.

        An ONNX artifact whose tensors keep their data in other files is refused
        (``UNSAFE_CONTENT``) unless each file is one the artifact's ``details.external_data``
        lists, with its size and sha256, in the bundle (``docs/bundle-format.md``).
        """
        data = self.read_checked(
            artifact.path, artifact.bytes, artifact.sha256, f"artifact {artifact.path} ({artifact.backend})"
        )
        if artifact.backend.lower() == "onnx":
            check_external_data(data, artifact, self.read_checked)
        return data

    def read_checked(self, name: str, size: int, sha256: str, what: str) -> bytes:
        """The bytes of ``name`` after checking them against the ``size`` and ``sha256`` recorded for it."""
        if name not in self._sizes:
            raise BundleError(f"{self._path}: {what} is not in the bundle", code="ARTIFACT_MISSING")
        data = self.read(name)
        if len(data) != size:
            raise _mismatch(self._path, what, f"is {len(data)} bytes, {MANIFEST} says {size}")
        digest = sha256_bytes(data)
        if digest != sha256:
            raise _mismatch(self._path, what, f"has sha256 {digest}, {MANIFEST} says {sha256}")
        return data

    def verify(self) -> None:
        """Check every artifact's presence, size and sha256; raises ``BundleError``."""
        for artifact in self.manifest.artifacts:
            self.read_artifact(artifact)

    def parity_inputs(self) -> dict[str, np.ndarray]:
        """The sample inputs recorded at export (``parity/inputs.npz``); empty if there are none."""
        return self._npz(PARITY_INPUTS)

    def parity_expected(self) -> dict[str, np.ndarray]:
        """The original model's outputs on the parity inputs (``parity/expected.npz``)."""
        return self._npz(PARITY_EXPECTED)

    def _npz(self, name: str) -> dict[str, np.ndarray]:
        if name not in self._sizes:
            return {}
        return read_npz(self.read(name), f"{self._path}: {name}", self._limits, budget=self.remaining_bytes())

    def close(self) -> None:
        """Release the open zip file. Idempotent."""
        self._closed = True
        if self._zip is not None:
            self._zip.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"bundle {self._path} is closed")

    def __enter__(self) -> Bundle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        m = self._manifest
        what = f"{m.name} {m.version}, {[a.backend for a in m.artifacts]}" if m else "unloaded"
        return f"<Bundle {str(self._path)!r}: {what}{', closed' if self._closed else ''}>"


def _mismatch(path: Path, artifact: Artifact | str, problem: str) -> BundleError:
    what = artifact if isinstance(artifact, str) else f"artifact {artifact.path} ({artifact.backend})"
    return BundleError(
        f"{path}: {what} {problem}; the bundle was modified or damaged after export",
        code="CHECKSUM_MISMATCH",
    )


def _read_file(root: Path, name: str, size: int) -> bytes:
    """A directory bundle's file: exactly the size listed at opening (it may have changed since)."""
    try:
        with open(root / name, "rb") as file:
            data = file.read(size + 1)
    except OSError as e:
        raise BundleError(f"{root}: cannot read {name}: {e}", code="BUNDLE_CORRUPT") from e
    check_length(data, size, str(root), name, "BUNDLE_CORRUPT")
    return data


def _scan_directory(root: Path, limits: Limits) -> dict[str, int]:
    """The regular files under ``root``, links followed but never out of it.

    Anything that is not a regular file (a FIFO, a socket, a device, a dangling or looping link) is
    not part of the bundle, as in Java; it is never opened, so a FIFO cannot hang the reader.
    """
    try:
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError) as e:
        raise BundleError(f"cannot read bundle directory {root}: {e}", code="BUNDLE_CORRUPT") from e
    sizes: dict[str, int] = {}
    total = 0
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs.sort()
        for file in sorted(files):
            full = Path(folder, file)
            try:
                st = full.stat()  # follows links; a loop or a dangling link raises
            except (OSError, RuntimeError):
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            name = full.relative_to(root).as_posix()
            reason = unsafe_path_reason(name)
            if reason:
                raise BundleError(f'{root}: file "{name}" is refused: {reason}', code="UNSAFE_PATH")
            try:
                real = full.resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if not real.is_relative_to(real_root):
                raise BundleError(f"{root}: {name} links outside the bundle directory", code="UNSAFE_PATH")
            if len(sizes) >= limits.max_entries:
                raise too_many(f"bundle {root}", len(sizes) + 1, limits)
            total = add_size(str(root), name, st.st_size, total, limits, limits.max_bundle_bytes)
            sizes[name] = st.st_size
    if errors:
        raise BundleError(f"cannot list bundle directory {root}: {errors[0]}", code="BUNDLE_CORRUPT")
    return sizes


def write_bundle(
    out: str | os.PathLike[str], manifest: Manifest, files: Mapping[str, bytes], *, as_directory: bool = False
) -> Path:
    """Write a bundle atomically: a complete new bundle at ``out``, or (on failure) none and the old one.

    ``files`` maps ``/``-separated relative names to contents; it must hold every artifact of
    ``manifest`` with the size and sha256 recorded there. ``manifest.json`` is written first.
    A process killed while writing leaves at most ``.NAME.PID-HEX.tmp`` entries beside ``out``,
    which the next write to ``out`` removes. Raises ``OSError`` (the kind the system gave, naming
    ``out``) when the file system refuses the write: nothing is left behind then.
    """
    target = Path(out)
    manifest.validate()
    _check_files(manifest, files)
    entries = {MANIFEST: manifest.to_json(), **files}
    clean_leftovers(target)
    try:
        if as_directory:
            _write_directory(target, entries)
        else:
            _write_zip(target, entries, _zip_time(manifest.created_at))
    except OSError as e:
        raise _write_error(target, e) from e
    return target


def _write_error(target: Path, e: OSError) -> OSError:
    """``e`` saying which bundle could not be written, and that nothing was (same class and errno)."""
    if e.errno is None:  # one of ours, already worded
        return e
    return type(e)(e.errno, f"cannot write {target}: {e.strerror}; nothing was written", e.filename)


def write_atomically(out: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``out`` through a temporary file beside it and a rename: ``out`` holds its
    old content or the new, never a part (the CLI's outputs). Same leftovers rule as bundles."""
    target = Path(out)
    clean_leftovers(target)
    try:
        _replace_with(target, lambda f: f.write(data))
    except OSError as e:
        raise _write_error(target, e) from e
    return target


def scratch_path(target: Path) -> Path:
    """A fresh name beside ``target`` in the one pattern writers leave when killed: ``.NAME.PID-HEX.tmp``."""
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[0-9a-f]{{8}}\.tmp")


def clean_leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the ``.NAME.PID-HEX.tmp`` entries beside ``target`` whose process has ended (a
    killed writer's), and return them. Those of live processes (another writer now) stay."""
    path = Path(target)
    pattern = _leftover_pattern(path)
    removed = []
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found and not _alive(int(found.group(1))):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid() or sys.platform == "win32":  # on Windows, os.kill(pid, 0) would signal it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


_scratch: ContextVar[Path | None] = ContextVar("jinfer_scratch", default=None)


@contextlib.contextmanager
def scratch(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A scratch directory beside ``target`` (``.NAME.PID-HEX.tmp``) for the duration of the block,
    removed afterwards; :func:`scratch_dir` names it to the code running inside (converters)."""
    path = scratch_path(Path(target))
    clean_leftovers(target)
    try:
        os.mkdir(path)
    except OSError as e:
        raise _write_error(Path(target), e) from e
    token = _scratch.set(path)
    try:
        yield path
    finally:
        _scratch.reset(token)
        shutil.rmtree(path, ignore_errors=True)


def scratch_dir() -> str | None:
    """Where temporary files go now: the current export's scratch directory (beside its target,
    removed with it, killed or not), or None outside an export (the system's temp directory)."""
    path = _scratch.get()
    return None if path is None else str(path)


def _check_files(manifest: Manifest, files: Mapping[str, bytes]) -> None:
    for name in files:
        reason = unsafe_path_reason(name)
        if reason:
            raise BundleError(f"cannot write bundle file {name!r}: {reason}", code="UNSAFE_PATH")
        if name == MANIFEST or any(part in ("", ".") for part in name.split("/")):
            raise ValueError(
                f"bundle file name {name!r} is not allowed: use a normalised relative "
                f"name other than {MANIFEST} (which is written from the manifest)"
            )
    for a in manifest.artifacts:
        data = files.get(a.path)
        if data is None:
            raise BundleError(
                f"artifact {a.path} ({a.backend}) is in the manifest but not in files", code="ARTIFACT_MISSING"
            )
        if len(data) != a.bytes or sha256_bytes(data) != a.sha256:
            raise BundleError(
                f"artifact {a.path}: its bytes do not match the size and sha256 in the manifest; "
                f"build it with Artifact.of(...)",
                code="CHECKSUM_MISMATCH",
            )


def _zip_time(created_at: str) -> tuple[int, int, int, int, int, int]:
    """Entry times come from ``created_at``, so equal manifests and files give equal bytes."""
    c = created_at
    t = (int(c[0:4]), int(c[5:7]), int(c[8:10]), int(c[11:13]), int(c[14:16]), int(c[17:19]))
    return t if 1980 <= t[0] <= 2107 else _ZIP_EPOCH


def _replace_with(out: Path, write: Callable[[io.BufferedWriter], object]) -> None:
    """Write a new file through ``write`` beside ``out``, flush it to disk, and rename it over ``out``."""
    tmp = scratch_path(out)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, unlike mkstemp
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(out.parent)


def _write_zip(out: Path, entries: Mapping[str, bytes], date_time: tuple[int, int, int, int, int, int]) -> None:
    if out.is_dir():
        raise IsADirectoryError(f"{out} is a directory; remove it or pass as_directory=True")

    def write(f: io.BufferedWriter) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries.items():
                info = zipfile.ZipInfo(name, date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)

    _replace_with(out, write)


def _write_directory(out: Path, entries: Mapping[str, bytes]) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory; remove it or write a zip bundle")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise FileExistsError(f"refusing to replace {out}: it is a non-empty directory, not a jinfer bundle")
    tmp = scratch_path(out)
    os.mkdir(tmp)
    try:
        for name, data in entries.items():
            target = tmp.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_file(target, data)
        _fsync_dir(tmp)
        if not out.is_dir():
            os.rename(tmp, out)
        elif not _exchange(tmp, out):  # no atomic swap here: the old bundle aside, the new one in
            old = scratch_path(out)
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            tmp = old
        _fsync_dir(out.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the half-written new bundle, or the old one


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``): at every moment
    each path holds one of them. False when this system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # an old kernel, or a file system without it
        return False
    raise OSError(code, os.strerror(code), str(b))


@functools.cache
def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    return getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)  # glibc 2.28 and later


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where directories can be opened: not on Windows)."""
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An ``.npz`` file holding ``arrays``, readable by ``np.load`` and reproducible byte for byte.

    Arrays are stored C-ordered and little-endian. Object arrays of ``str`` become ``<U``; other
    object arrays are refused (``TypeError``), since bundles never hold pickles.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, value in arrays.items():
            array = _plain_array(name, np.asarray(value))
            with zf.open(zipfile.ZipInfo(f"{name}.npy", _ZIP_EPOCH), "w") as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    return buf.getvalue()


def _plain_array(name: str, array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "O":
        if not all(isinstance(v, str) for v in array.flat):
            raise TypeError(
                f"array {name!r} is an object array with non-str elements; bundles never hold "
                f"pickled objects: convert it to a numeric or str dtype"
            )
        array = array.astype(str)
    elif array.dtype.kind == "S":
        array = np.char.decode(array, "utf-8")
    try:
        dtype_of(array)
    except TypeError as e:
        raise TypeError(f"array {name!r}: {e}") from None
    array = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return array if array.flags.c_contiguous else array.copy(order="C")
