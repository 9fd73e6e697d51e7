"""The Python fuzz targets (tests/fuzz/targets.json names them): each takes bytes and lets only a
``JinferError`` pass, the one allowed failure; anything else that escapes is a finding.

``run.py`` drives them with atheris; ``test_replay.py`` feeds them the seeds and the minimised
findings of ``regressions/`` in ``make test``. Nothing here imports atheris.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from jinfer._bundle import Bundle
from jinfer._cli import read_inputs
from jinfer._exceptions import JinferError
from jinfer._limits import Limits
from jinfer._manifest import Manifest, TensorSpec
from jinfer._npy import read_npz

# keep one input fast (an 8 MiB bomb inflates in milliseconds) while every limit still bites
LIMITS = Limits(max_bundle_bytes=64 << 20, max_entry_bytes=32 << 20)
_SCRATCH = Path(tempfile.mkdtemp(prefix="jinfer-fuzz-"))
_MODELS = [
    None,
    SimpleNamespace(inputs=(TensorSpec("features", "float32", (-1, 2)),)),
    SimpleNamespace(inputs=(TensorSpec("features", "int8", (-1, 3), ("x", "y", "z")),)),
]


def _allowed(body: Callable[[], object]) -> None:
    with contextlib.suppress(JinferError):  # a typed refusal: what the reader promises for bad input
        body()


def manifest(data: bytes) -> None:
    """The manifest parser."""
    _allowed(lambda: Manifest.from_json(data, LIMITS))


def _read_all(path: Path) -> None:
    with Bundle.open(path, limits=LIMITS) as b:
        for name in b.names():
            b.read(name)
        b.verify()
        b.parity_inputs()
        b.parity_expected()


def bundle(data: bytes) -> None:
    """``Bundle.open`` on the bytes as a zip bundle, and every read after it."""
    path = _SCRATCH / "bundle.jinfer"
    path.write_bytes(data)
    _allowed(lambda: _read_all(path))


def npz(data: bytes) -> None:
    """The npz reader (parity samples, CLI inputs)."""
    _allowed(lambda: read_npz(data, "fuzz.npz", LIMITS))


def cli_inputs(data: bytes) -> None:
    """The CLI's input readers: the bytes as an .npy, an .npz and a .csv, for three kinds of model."""
    for suffix in (".npy", ".npz", ".csv"):
        path = _SCRATCH / f"input{suffix}"
        path.write_bytes(data)
        for model in _MODELS:
            _allowed(lambda p=path, m=model: read_inputs(p, m))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "manifest": manifest,
    "bundle": bundle,
    "npz": npz,
    "cli_inputs": cli_inputs,
}
