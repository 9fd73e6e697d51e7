"""ONNX tensors whose data lives outside the model (``data_location = EXTERNAL``), refused at reading.

ONNX Runtime reads such data from a file named relative to the model, and a model loaded from
bytes has no folder: the runtime then reads the process's working directory, so the bundle's
checksums would say nothing of what runs. Every tensor of the model is visited (initializers and
sparse initializers of every graph, node attributes, subgraphs at any depth, functions, training
graphs); one with external data is refused (``UNSAFE_CONTENT``) unless its file is one the
artifact's ``details.external_data`` lists, with its size and sha256, and it is an initializer of
the main graph. The same rule as Java's ``io.jinfer.onnx.ExternalData`` (``docs/bundle-format.md``).
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from ._exceptions import BundleError
from ._manifest import Artifact

__all__ = ["check_external_data"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL
# bytes per element of the TensorProto data types ONNX Runtime Java can build (OnnxJavaType)
_ITEMSIZE = {1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 16: 2}


def _tensors(model: Any) -> Iterator[tuple[Any, str, bool]]:
    """Every tensor of ``model`` with where it is, and whether it is a main-graph initializer."""
    graphs: list[tuple[Any, str, bool]] = []
    if model.HasField("graph"):
        graphs.append((model.graph, "graph", True))
    for info in model.training_info:
        graphs += [(info.initialization, "training info graph", False), (info.algorithm, "training info graph", False)]
    nodes: list[tuple[Any, str]] = []
    attributes: list[tuple[Any, str]] = []
    for function in model.functions:
        nodes += [(n, f"function '{function.name}' node") for n in function.node]
        attributes += [(a, f"function '{function.name}' attribute") for a in function.attribute_proto]
    while graphs or nodes or attributes:
        if graphs:
            graph, where, main = graphs.pop()
            where = f"{where} '{graph.name}'" if graph.name else where
            for t in graph.initializer:
                yield t, f"{where} initializer '{t.name}'", main
            for s in graph.sparse_initializer:
                yield s.values, f"{where} sparse initializer '{s.values.name}'", False
                yield s.indices, f"{where} sparse initializer '{s.values.name}' indices", False
            nodes += [(n, f"{where} node") for n in graph.node]
        elif nodes:
            node, where = nodes.pop()
            where = f"{where} '{node.name}'" if node.name else where
            attributes += [(a, f"{where} attribute") for a in node.attribute]
        else:
            attr, where = attributes.pop()
            where = f"{where} '{attr.name}'"
            tensors = ([attr.t] if attr.HasField("t") else []) + list(attr.tensors)
            for t in tensors:
                yield t, f"{where} tensor '{t.name}'", False
            for s in ([attr.sparse_tensor] if attr.HasField("sparse_tensor") else []) + list(attr.sparse_tensors):
                yield s.values, f"{where} sparse tensor '{s.values.name}'", False
                yield s.indices, f"{where} sparse tensor '{s.values.name}' indices", False
            subgraphs = ([attr.g] if attr.HasField("g") else []) + list(attr.graphs)
            graphs += [(g, f"{where} graph", False) for g in subgraphs]


def _listed(artifact: Artifact) -> dict[str, tuple[int, str]]:
    """The files ``details.external_data`` lists: path -> (bytes, sha256)."""
    value = artifact.details.get("external_data")
    if value is None:
        return {}
    where = f"{artifact.path}: details.external_data"
    if not isinstance(value, list):
        raise BundleError(
            f"{where}: expected a list of {{path, sha256, bytes}}, got {value!r}", code="INVALID_MANIFEST"
        )
    out: dict[str, tuple[int, str]] = {}
    for i, e in enumerate(value):
        ok = (
            isinstance(e, dict)
            and isinstance(e.get("path"), str)
            and isinstance(e.get("sha256"), str)
            and _SHA256.fullmatch(e["sha256"]) is not None
            and isinstance(e.get("bytes"), int)
            and not isinstance(e.get("bytes"), bool)
            and 0 <= e["bytes"] < 2**63
        )
        if not ok:
            raise BundleError(
                f'{where}[{i}]: expected {{"path": a bundle file, "sha256": 64 lowercase hex digits, '
                f'"bytes": its size}}, got {e!r}',
                code="INVALID_MANIFEST",
            )
        out[e["path"]] = (e["bytes"], e["sha256"])
    return out


def check_external_data(data: bytes, artifact: Artifact, read: Callable[[str, int, str, str], bytes]) -> None:
    """Refuse the ONNX model ``data`` if a tensor keeps its data where the bundle does not vouch for it.

    ``read(path, bytes, sha256, what)`` reads a listed file of the bundle, checking it (the
    bundle's ``read_checked``). Bytes that are not an ONNX protobuf are left alone: no runtime
    can load them, so none reads external data for them.
    """
    import onnx  # a dependency of jinfer; imported where a model of its is handled
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError, RecursionError):
        return
    external = [
        (t, where, main)
        for t, where, main in _tensors(model)
        if t.data_location == _EXTERNAL or len(t.external_data) > 0
    ]
    if not external:
        return
    listed = _listed(artifact)
    folder = posixpath.dirname(artifact.path)
    for t, where, main in external:
        entries = {e.key: e.value for e in t.external_data}  # the last of a key wins, as in ONNX Runtime
        location = entries.get("location")
        path = posixpath.join(folder, location) if location is not None else None
        if location is None or path is None or "*" in location or path not in listed:
            shown = f"location {location!r}" if location is not None else "no location"
            raise BundleError(
                f"{artifact.path}: {where} keeps its data outside the model ({shown}); ONNX Runtime would read "
                "it from the working directory, so it is refused. A bundle's tensors live in the model, or in "
                "a file of the bundle that details.external_data lists with its sha256",
                code="UNSAFE_CONTENT",
            )
        if not main:
            raise BundleError(
                f"{artifact.path}: {where} keeps its data in {path}; jinfer supplies external data to the "
                "initializers of the main graph only",
                code="UNSUPPORTED_ARTIFACT",
            )
    files: dict[str, bytes] = {}
    for t, where, _ in external:
        entries = {e.key: e.value for e in t.external_data}
        path = posixpath.join(folder, entries["location"])
        if path not in files:
            size, sha256 = listed[path]
            files[path] = read(path, size, sha256, f"external data {path} of {artifact.path}")
        itemsize = _ITEMSIZE.get(t.data_type)
        if itemsize is None:
            raise BundleError(
                f"{artifact.path}: {where} has ONNX data type {t.data_type}, which jinfer cannot supply "
                "as external data",
                code="UNSUPPORTED_ARTIFACT",
            )
        offset, length = _count(entries.get("offset", "0")), _count(entries.get("length"))
        need = itemsize * math.prod(t.dims) if all(d >= 0 for d in t.dims) else -1
        size = len(files[path])
        if length is None:
            length = size - max(0, offset if offset is not None else 0)
        if offset is None or need < 0 or need >= 2**63 or length != need or offset > size or length > size - offset:
            raise BundleError(
                f"{artifact.path}: {where} asks for {length} bytes at offset {offset} of {entries['location']} "
                f"({size} bytes) for a tensor of {need} bytes",
                code="UNSAFE_CONTENT",
            )


def _count(text: str | None) -> int | None:
    """A non-negative decimal integer, as Java's Long.parseLong reads it; None otherwise."""
    if text is None or not re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII):
        return None
    value = int(text)
    return value if 0 <= value < 2**63 else None
