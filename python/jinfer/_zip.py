"""Zip archives read by the rules both readers share (``docs/bundle-format.md``, "Reading rules").

The same rules as Java's ``io.jinfer.SafeZip``: the central directory is indexed before any entry
is read (the number of entries, every name, each declared size and their sum against the
:class:`~jinfer._limits.Limits`); an entry must be stored or deflated, unencrypted, and appear
once; names are UTF-8 whatever the zip's flag says, as Java reads them. Reading an entry yields
exactly its declared size: a deflate stream that goes on past it, or ends before it, is refused
without inflating more than one byte past the declared size, and the CRC-32 is checked.
"""

from __future__ import annotations

import copy
import io
import os
import struct
import zipfile
import zlib

from ._exceptions import BundleError
from ._limits import Limits
from ._manifest import unsafe_path_reason

__all__ = ["READ_ERRORS", "SafeZip", "add_size", "check_length", "too_many"]

# what zipfile and zlib raise on damaged archives; caught only around their calls
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    struct.error,
    OverflowError,
    IndexError,
    KeyError,
    UnicodeDecodeError,
)
_CHUNK = 1 << 16


class SafeZip:
    """The files of a zip archive, indexed and read by the shared rules.

    ``where`` names the archive in messages; ``code`` is the error code of a damaged archive
    (``BUNDLE_CORRUPT`` for a bundle, ``INVALID_NPY`` for an ``.npz``); ``paths`` applies the rule
    for bundle file names (no absolute path, ``..`` or control character) to every entry.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes,
        where: str,
        limits: Limits,
        *,
        budget: int,
        code: str,
        paths: bool,
    ) -> None:
        self._where = where
        self._code = code
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except READ_ERRORS as e:
            raise self._corrupt(f"is not a readable zip file (not a zip, or a truncated one): {e}") from None
        try:
            self._infos = self._index(limits, budget, paths)
        except BaseException:
            self._zip.close()
            raise

    def _corrupt(self, problem: str) -> BundleError:
        return BundleError(f"{self._where} {problem}", code=self._code)

    def _index(self, limits: Limits, budget: int, paths: bool) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > limits.max_entries:
            raise too_many(self._where, len(infos), limits)
        names = [self._name(info) for info in infos]
        if paths:
            for name in names:  # every name is checked before anything is read
                reason = unsafe_path_reason(name)
                if reason:
                    raise BundleError(
                        f'{self._where}: zip entry "{_printable(name)}" is refused: {reason}', code="UNSAFE_PATH"
                    )
        out: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for name, info in zip(names, infos):
            if name.endswith("/"):
                continue  # a directory
            if name in out:
                raise self._corrupt(f': zip entry "{name}" appears twice')
            if info.flag_bits & 0x1:
                raise self._corrupt(f': zip entry "{name}" is encrypted')
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._corrupt(
                    f': zip entry "{name}" uses compression method {info.compress_type}; '
                    "a bundle's zip entries are stored or deflated"
                )
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise self._corrupt(
                    f': stored zip entry "{name}" declares {info.file_size} bytes but holds {info.compress_size}'
                )
            total = add_size(self._where, name, info.file_size, total, limits, budget)
            out[name] = info
        return out

    def _name(self, info: zipfile.ZipInfo) -> str:
        """The entry's name as UTF-8, as Java reads it, whatever the zip's UTF-8 flag says.

        Its comment must be UTF-8 too: the JDK decodes it while it lists the entries.
        """
        try:
            info.comment.decode("utf-8")
        except UnicodeError:
            raise self._corrupt(f": the comment of zip entry {info.orig_filename!r} is not UTF-8") from None
        if info.flag_bits & 0x800:
            return info.orig_filename
        try:
            return info.orig_filename.encode("cp437").decode("utf-8")
        except UnicodeError:
            raise self._corrupt(f": zip entry name {info.orig_filename!r} is not UTF-8") from None

    @property
    def sizes(self) -> dict[str, int]:
        """Every file's declared size, by name, in the archive's order."""
        return {name: info.file_size for name, info in self._infos.items()}

    def read(self, name: str) -> bytes:
        """Exactly the ``file_size`` bytes entry ``name`` declares, its CRC-32 checked."""
        info = self._infos[name]
        size = info.file_size
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                with self._zip.open(info) as entry:  # zipfile checks the CRC at the end
                    data = entry.read(size + 1)
            else:
                data = self._inflate(info, size)
        except BundleError:
            raise
        except READ_ERRORS as e:
            raise self._corrupt(f": {name} is corrupt: {e}") from None
        check_length(data, size, self._where, name, self._code)
        if zlib.crc32(data) != info.CRC:
            raise self._corrupt(
                f": {name} fails its CRC-32 check (0x{zlib.crc32(data):x}, the zip says 0x{info.CRC:x}); "
                "the bundle is damaged"
            )
        return data

    def _inflate(self, info: zipfile.ZipInfo, size: int) -> bytes:
        """The deflated entry, inflated from its raw bytes so that what lies past ``size`` is seen."""
        raw = copy.copy(info)  # the same entry read as stored: its compressed bytes, unchecked
        raw.compress_type = zipfile.ZIP_STORED
        raw.file_size = info.compress_size
        del raw.CRC
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        out = bytearray()
        with self._zip.open(raw) as stream:
            pending = b""
            while not inflater.eof:
                if not pending:
                    pending = stream.read(_CHUNK)
                    if not pending:
                        break
                out += inflater.decompress(pending, size + 1 - len(out))
                pending = inflater.unconsumed_tail
                if len(out) > size:
                    raise self._corrupt(f": {info.orig_filename} holds more than the {size} bytes it declares")
        if not inflater.eof:
            raise self._corrupt(f": {info.orig_filename} is corrupt: its deflate stream is cut short")
        return bytes(out)

    def close(self) -> None:
        self._zip.close()


def add_size(where: str, name: str, size: int, total: int, limits: Limits, budget: int) -> int:
    """``total + size``, after checking both against the limits."""
    if size > limits.max_entry_bytes:
        raise BundleError(
            f"{where}: {name} is {size} bytes uncompressed, over the bound of {limits.max_entry_bytes} "
            f"for one file (Limits.max_entry_bytes)",
            code="BUNDLE_TOO_LARGE",
        )
    if total + size > budget:
        raise BundleError(
            f"{where} holds more than {budget} uncompressed bytes (the bound); raise "
            f"Limits.max_bundle_bytes if you trust it",
            code="BUNDLE_TOO_LARGE",
        )
    return total + size


def too_many(where: str, count: int, limits: Limits) -> BundleError:
    return BundleError(
        f"{where} holds {count} entries, over the bound of {limits.max_entries} (Limits.max_entries)",
        code="BUNDLE_TOO_LARGE",
    )


def check_length(data: bytes, size: int, where: str, name: str, code: str) -> None:
    """Refuse ``data`` unless it is exactly the ``size`` bytes ``name`` declares (read as ``size + 1``)."""
    if len(data) > size:
        raise BundleError(f"{where}: {name} holds more than the {size} bytes it declares", code=code)
    if len(data) < size:
        raise BundleError(f"{where}: {name} ends after {len(data)} of the {size} bytes it declares", code=code)


def _printable(name: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in name)
