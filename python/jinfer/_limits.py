"""The resource limits every reader of untrusted bytes enforces before it allocates.

The same fields and defaults as Java's ``io.jinfer.Limits`` (``docs/reliability.md``, "Limits")::

    strict = jinfer.Limits(max_bundle_bytes=64 << 20, max_entries=100)
    jinfer.Bundle.open("churn.jinfer", limits=strict)
    jinfer.load("churn.jinfer", limits=strict)      # passed on to the Java reader
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["MAX_ARRAY_BYTES", "Limits"]

MAX_ARRAY_BYTES = 2**31 - 1 - 8  # the largest byte array a JVM makes: the most one file holds in Java


@dataclass(frozen=True)
class Limits:
    """Bounds on what a bundle, its manifest, its ``.npy``/``.npz`` files and its PMML may hold.

    A limit that is passed gives ``BUNDLE_TOO_LARGE`` (sizes and counts), ``INVALID_MANIFEST`` (the
    manifest's nesting), ``INVALID_NPY`` (an ``.npy`` header) or ``UNSUPPORTED_ARTIFACT`` (a PMML
    document's nesting, checked by the Java reader), with a message that names the limit.
    """

    max_bundle_bytes: int = 2 << 30
    """The bytes a bundle may hold, uncompressed: declared, and actually read (npz members too)."""
    max_entry_bytes: int = MAX_ARRAY_BYTES
    """The bytes one file of a bundle, or one member of an ``.npz``, may hold."""
    max_entries: int = 10_000
    """The files a bundle, or the members an ``.npz``, may hold."""
    max_manifest_bytes: int = 16 << 20
    """The bytes of ``manifest.json``."""
    max_json_depth: int = 64
    """How deep objects and lists may nest in ``manifest.json``."""
    max_npy_header_bytes: int = 10_000
    """The bytes of an ``.npy`` header (numpy's own bound)."""
    max_pmml_bytes: int = 512 << 20
    """The bytes of a PMML artifact (read by the Java reader)."""
    max_xml_depth: int = 1_000
    """How deep elements may nest in a PMML document (read by the Java reader)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{f.name} must be a positive integer, got {value!r}")
        if self.max_entry_bytes > MAX_ARRAY_BYTES:
            raise ValueError(
                f"Limits.max_entry_bytes {self.max_entry_bytes} is more than a Java array holds ({MAX_ARRAY_BYTES})"
            )

    def replace(self, **changes: int) -> Limits:
        """A copy with ``changes``, e.g. ``Limits().replace(max_entries=100)``."""
        return dataclasses.replace(self, **changes)
