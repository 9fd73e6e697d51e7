"""The bundle manifest (``manifest.json``): parsing, validation and serialisation.

The rules are those of ``docs/bundle-format.md``. Every violation raises :class:`BundleError` with
``code`` ``INVALID_MANIFEST``, ``UNSUPPORTED_VERSION`` or ``UNSAFE_PATH``, and a message that names
the field (``inputs[0].dtype``), what was expected and what came. Unknown fields are ignored.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn

from ._dtypes import DTYPES
from ._exceptions import BundleError
from ._limits import Limits

__all__ = ["FORMAT", "FORMAT_VERSION", "TASKS", "Artifact", "Manifest", "TensorSpec", "unsafe_path_reason", "utc_now"]

FORMAT = "jinfer-bundle"
FORMAT_VERSION = 1
TASKS = ("classification", "regression", "transform")

_DTYPE_NAMES = tuple(d.name for d in DTYPES)
_SHA256 = re.compile(r"[0-9a-f]{64}")
# RFC 3339 as jinfer writes and reads it (the same pattern is in tests/conformance/README.md).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)", re.ASCII)
_INT64_MAX = 2**63 - 1
# JSON tokens that open or close a container, strings (skipped whole), and numbers
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?[0-9][0-9eE.+-]*')
_MAX_NUMBER_CHARS = 1000  # as Jackson's StreamReadConstraints, which the Java reader uses


def utc_now() -> str:
    """The current time as an RFC 3339 timestamp in UTC, e.g. ``2026-11-22T03:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` may not name a file inside a bundle, or ``None`` when it is a safe relative path.

    Backslashes count as separators and ``C:`` prefixes as absolute, so no platform can escape; a
    NUL or other control character is refused (zipfile would cut a name at its NUL, Java does not).
    The same rule as Java's ``io.jinfer.BundlePaths``.
    """
    control = next((c for c in path if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if control is not None:
        return f"it holds a control character (U+{ord(control):04X})"
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return "it is absolute"
    if ".." in re.split(r"[/\\]", path):
        return "it has a '..' segment"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(where: str, problem: str, code: str = "INVALID_MANIFEST") -> NoReturn:
    raise BundleError(f"manifest.json: {where}: {problem}", code=code)


def _bad(where: str, expected: str, got: Any) -> NoReturn:
    _fail(where, f"expected {expected}, got {_show(got)}")


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _get(d: dict[str, Any], key: str, where: str, *, required: bool = True) -> Any:
    if d.get(key) is None and required:
        raise BundleError(f"manifest.json: missing required field {_path(where, key)}", code="INVALID_MANIFEST")
    return d.get(key)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _bad(where, "a JSON object", value)
    return value


def _string(value: Any, where: str, *, non_empty: bool = True) -> str:
    if not isinstance(value, str) or (non_empty and not value):
        _bad(where, "a non-empty string" if non_empty else "a string", value)
    return value


def _integer(value: Any, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value > _INT64_MAX:
        _bad(where, f"an integer >= {minimum}" + (" within int64" if isinstance(value, int) else ""), value)
    return value


def _list(value: Any, where: str, *, non_empty: bool) -> list[Any]:
    if not isinstance(value, list) or (non_empty and not value):
        _bad(where, "a non-empty list" if non_empty else "a list", value)
    return value


def _specs(d: dict[str, Any], key: str) -> tuple[TensorSpec, ...]:
    items = _list(_get(d, key, ""), key, non_empty=True)
    specs = tuple(TensorSpec.from_dict(v, f"{key}[{i}]") for i, v in enumerate(items))
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        if spec.name in seen:
            _fail(f"{key}[{i}].name", f"duplicate tensor name {_show(spec.name)}; names must be unique")
        seen.add(spec.name)
    return specs


@dataclass(frozen=True)
class TensorSpec:
    """One input or output: a ``name``, a dtype name from the table, and a ``shape``.

    A dimension of ``-1`` is dynamic. ``batch_dim`` is the dimension that counts the batch's
    rows, or ``-1`` when the tensor has none (a scalar, or a side input such as a shape); it
    defaults to the first dimension, and to none for a scalar (``shape == ()``). ``columns``
    names the columns of the last dimension of a 2-D tabular input, where they are known.
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    columns: tuple[str, ...] | None = None
    batch_dim: int | None = None  # None: the default, 0 (or -1 for a scalar); set in __post_init__

    def __post_init__(self) -> None:
        if self.batch_dim is None:
            object.__setattr__(self, "batch_dim", 0 if self.shape else -1)

    @property
    def batched(self) -> bool:
        """Whether one of the dimensions counts the batch's rows."""
        return self.batch_dim is not None and self.batch_dim >= 0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}
        if self.columns is not None:
            d["columns"] = list(self.columns)
        if self.shape and self.batch_dim != 0:
            d["batch_dim"] = self.batch_dim
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "tensor") -> TensorSpec:
        d = _object(d, where)
        name = _string(_get(d, "name", where), f"{where}.name")
        dtype = _string(_get(d, "dtype", where), f"{where}.dtype")
        if dtype not in _DTYPE_NAMES:
            _bad(f"{where}.dtype", f"one of {', '.join(_DTYPE_NAMES)}", dtype)
        dims = _list(_get(d, "shape", where), f"{where}.shape", non_empty=False)
        shape = tuple(_integer(v, f"{where}.shape[{i}]", minimum=-1) for i, v in enumerate(dims))
        batch_dim = None
        if d.get("batch_dim") is not None:
            batch_dim = _integer(d["batch_dim"], f"{where}.batch_dim", minimum=-1)
            if batch_dim >= len(shape):
                _bad(f"{where}.batch_dim", f"-1 (none) or a dimension of shape {list(shape)}", batch_dim)
        columns = None
        if d.get("columns") is not None:
            names = _list(d["columns"], f"{where}.columns", non_empty=False)
            columns = tuple(_string(v, f"{where}.columns[{i}]", non_empty=False) for i, v in enumerate(names))
            if len(shape) >= 2 and shape[-1] != -1 and len(columns) != shape[-1]:
                _fail(
                    f"{where}.columns",
                    f"has {len(columns)} names but the last dimension of shape {list(shape)} is {shape[-1]}",
                )
        return cls(name, dtype, shape, columns, batch_dim)


@dataclass(frozen=True)
class Artifact:
    """One model file of the bundle, for one backend, with its checksum and parity figures."""

    backend: str
    path: str
    sha256: str
    bytes: int
    details: dict[str, Any] = field(default_factory=dict)
    parity: dict[str, Any] | None = None

    @classmethod
    def of(
        cls,
        backend: str,
        path: str,
        data: builtins.bytes,
        *,
        details: dict[str, Any] | None = None,
        parity: dict[str, Any] | None = None,
    ) -> Artifact:
        """The artifact for the file contents ``data``: its sha256 and size are computed here."""
        return cls(backend, path, hashlib.sha256(data).hexdigest(), len(data), dict(details or {}), parity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "path": self.path,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "details": copy.deepcopy(self.details),
            "parity": copy.deepcopy(self.parity),
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "artifact") -> Artifact:
        d = _object(d, where)
        backend = _string(_get(d, "backend", where), f"{where}.backend")
        path = _string(_get(d, "path", where), f"{where}.path")
        reason = unsafe_path_reason(path)
        if reason:
            _fail(f"{where}.path", f"{_show(path)} is not a safe relative path: {reason}", code="UNSAFE_PATH")
        sha256 = _get(d, "sha256", where)
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            _bad(f"{where}.sha256", "64 lowercase hex digits", sha256)
        size = _integer(_get(d, "bytes", where), f"{where}.bytes", minimum=0)
        details = _object(_or(d.get("details"), {}), f"{where}.details")
        parity = d.get("parity")
        if parity is not None:
            parity = _object(parity, f"{where}.parity")
        return cls(backend, path, sha256, size, copy.deepcopy(details), copy.deepcopy(parity))


@dataclass(frozen=True)
class Manifest:
    """The contents of ``manifest.json``. Build one in code, or read one with :meth:`from_json`."""

    name: str
    version: str
    task: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    artifacts: tuple[Artifact, ...]
    classes: tuple[int | str, ...] | None
    created_at: str
    description: str = ""
    producer: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def input(self, name: str) -> TensorSpec:
        """The input spec called ``name``; ``KeyError`` lists the inputs there are."""
        return self._lookup(self.inputs, name, "input")

    def output(self, name: str) -> TensorSpec:
        """The output spec called ``name``; ``KeyError`` lists the outputs there are."""
        return self._lookup(self.outputs, name, "output")

    def _lookup(self, specs: tuple[TensorSpec, ...], name: str, kind: str) -> TensorSpec:
        for spec in specs:
            if spec.name == name:
                return spec
        raise KeyError(f"model {self.name!r} has no {kind} {name!r}; its {kind}s are {[s.name for s in specs]}")

    def with_artifacts(self, artifacts: Iterable[Artifact]) -> Manifest:
        """A copy of this manifest with ``artifacts`` (in preference order) instead of its own."""
        return dataclasses.replace(self, artifacts=tuple(artifacts))

    def validate(self) -> None:
        """Check the rules of the format on a manifest built in code; raises ``BundleError``."""
        Manifest.from_dict(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at,
            "description": self.description,
            "producer": copy.deepcopy(self.producer),
            "task": self.task,
            "inputs": [s.to_dict() for s in self.inputs],
            "outputs": [s.to_dict() for s in self.outputs],
            "classes": None if self.classes is None else list(self.classes),
            "artifacts": [a.to_dict() for a in self.artifacts],
        }

    def to_json(self) -> builtins.bytes:
        """``manifest.json`` as UTF-8 bytes: indented by 2, keys in a stable order, no NaN."""
        try:
            text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
        except ValueError as e:
            raise BundleError(
                f"manifest.json cannot hold NaN or infinity (JSON has no such numbers): {e}", code="INVALID_MANIFEST"
            ) from None
        return (text + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: builtins.bytes | str, limits: Limits | None = None) -> Manifest:
        """Parse and validate ``manifest.json``, as Java's ``Manifest.parse`` does.

        Strict UTF-8 without a byte order mark, at most ``limits.max_manifest_bytes`` long; one
        JSON object nested at most ``limits.max_json_depth`` deep, no key twice in an object, no
        number of more than 1,000 characters, no lone surrogate in a string; then the fields.
        """
        limits = limits or Limits()
        if len(data) > limits.max_manifest_bytes:
            raise BundleError(
                f"manifest.json is {len(data)} bytes, over the bound of {limits.max_manifest_bytes} "
                f"(Limits.max_manifest_bytes)",
                code="BUNDLE_TOO_LARGE",
            )
        if isinstance(data, builtins.bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise BundleError(f"manifest.json is not UTF-8: {e}", code="INVALID_MANIFEST") from None
        if data.startswith("\ufeff"):
            raise BundleError(
                "manifest.json is not valid JSON: it starts with a UTF-8 byte order mark, which JSON does not allow",
                code="INVALID_MANIFEST",
            )
        _check_tokens(data, limits.max_json_depth)
        try:
            parsed = json.loads(data, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
        except ValueError as e:
            detail = f"{e.msg} at line {e.lineno} column {e.colno}" if isinstance(e, json.JSONDecodeError) else e
            raise BundleError(f"manifest.json is not valid JSON: {detail}", code="INVALID_MANIFEST") from None
        if _has_lone_surrogate(parsed):
            raise BundleError(
                "manifest.json: a string holds a lone surrogate, which is not Unicode text", code="INVALID_MANIFEST"
            )
        return cls.from_dict(parsed)

    @classmethod
    def from_dict(cls, d: Any) -> Manifest:
        """Validate a parsed ``manifest.json``. Fields this reader does not know are ignored."""
        if not isinstance(d, dict):
            raise BundleError(
                f"manifest.json: expected a JSON object at the top level, got {_show(d)}", code="INVALID_MANIFEST"
            )
        fmt = _get(d, "format", "")
        if fmt != FORMAT:
            _bad("format", _show(FORMAT), fmt)
        version = _integer(_get(d, "format_version", ""), "format_version", minimum=1)
        if version > FORMAT_VERSION:
            raise BundleError(
                f"bundle format_version {version} is newer than this reader (supports "
                f"{FORMAT_VERSION}); upgrade jinfer",
                code="UNSUPPORTED_VERSION",
            )
        created_at = _string(_get(d, "created_at", ""), "created_at")
        if not _RFC3339.fullmatch(created_at) or not _is_date(created_at[:19]):
            _bad("created_at", "an RFC 3339 timestamp like 2026-11-22T03:00:00Z", created_at)
        task = _string(_get(d, "task", ""), "task")
        if task not in TASKS:
            _bad("task", f"one of {', '.join(TASKS)}", task)
        outputs = _specs(d, "outputs")
        return cls(
            name=_string(_get(d, "name", ""), "name"),
            version=_string(_get(d, "version", ""), "version"),
            task=task,
            inputs=_specs(d, "inputs"),
            outputs=outputs,
            artifacts=tuple(
                Artifact.from_dict(v, f"artifacts[{i}]")
                for i, v in enumerate(_list(_get(d, "artifacts", ""), "artifacts", non_empty=True))
            ),
            classes=_classes(d.get("classes"), task, outputs),
            created_at=created_at,
            description=_string(_or(d.get("description"), ""), "description", non_empty=False),
            producer=copy.deepcopy(_object(_or(d.get("producer"), {}), "producer")),
            format_version=version,
        )


def _or(value: Any, default: Any) -> Any:
    """``value``, or ``default`` when it is null or absent: a null field counts as absent."""
    return default if value is None else value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_tokens(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` and overlong numbers before ``json`` recurses."""
    depth = 0
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise BundleError(
                    f"manifest.json is not valid JSON: Document nesting depth ({depth}) exceeds the maximum "
                    f"allowed ({max_depth}, Limits.max_json_depth)",
                    code="INVALID_MANIFEST",
                )
        elif token in ("]", "}"):
            depth -= 1
        elif token[0] != '"' and len(token) > _MAX_NUMBER_CHARS:
            raise BundleError(
                f"manifest.json is not valid JSON: Number value length ({len(token)}) exceeds the maximum "
                f"allowed ({_MAX_NUMBER_CHARS})",
                code="INVALID_MANIFEST",
            )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"Duplicate field {key!r}")
        out[key] = value
    return out


def _has_lone_surrogate(value: Any) -> bool:
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            todo.extend(v.keys())
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return False


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _classes(value: Any, task: str, outputs: tuple[TensorSpec, ...]) -> tuple[int | str, ...] | None:
    if value is None:
        if task == "classification":
            raise BundleError(
                "manifest.json: missing required field classes (a classification manifest lists its classes)",
                code="INVALID_MANIFEST",
            )
        return None
    items = _list(value, "classes", non_empty=True)
    ints = all(isinstance(c, int) and not isinstance(c, bool) and -_INT64_MAX - 1 <= c <= _INT64_MAX for c in items)
    if not ints and not all(isinstance(c, str) for c in items):
        _bad("classes", "a list of all integers or all strings", items)
    if len(set(items)) != len(items):
        _bad("classes", "distinct classes", items)
    for spec in outputs:
        if (
            spec.name == "probabilities"
            and len(spec.shape) >= 2
            and spec.shape[-1] != -1
            and spec.shape[-1] != len(items)
        ):
            _fail(
                "classes",
                f"has {len(items)} classes but output probabilities has {spec.shape[-1]} "
                f"columns (shape {list(spec.shape)})",
            )
    return tuple(items)
