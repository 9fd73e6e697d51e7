"""The edges of an ONNX graph as a bundle sees them: element types, dimensions, names, and the
casts that carry types one runtime lacks.

ONNX Runtime Java has no uint16, uint32 or uint64 tensors, and ONNX Runtime's Python package
neither takes nor returns bfloat16. :func:`retyped` puts a ``Cast`` at each such graph input and
output, to a type of the same values that the runtime has: the signed integer of the same width
for Java (a cast between integers of one width keeps the bits, so Java reads the bytes back as
the unsigned dtype the manifest declares), float32 for Python (which holds every bfloat16 exactly).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .._exceptions import UnsupportedModelError

__all__ = [
    "JAVA_CARRIERS",
    "PYTHON_STAND_INS",
    "dims_of",
    "elem_dtype",
    "graph_inputs",
    "retyped",
    "safe_names",
]


def _elem_types() -> dict[int, str]:
    from onnx import TensorProto as T

    return {
        T.FLOAT: "float32",
        T.DOUBLE: "float64",
        T.INT8: "int8",
        T.UINT8: "uint8",
        T.INT16: "int16",
        T.INT32: "int32",
        T.INT64: "int64",
        T.BOOL: "bool",
        T.STRING: "string",
        T.FLOAT16: "float16",
        T.BFLOAT16: "bfloat16",
        T.UINT16: "uint16",
        T.UINT32: "uint32",
        T.UINT64: "uint64",
    }


def _type_names() -> dict[str, int]:
    return {name: elem for elem, name in _elem_types().items()}


# jinfer dtype -> the ONNX element type that carries it through a runtime that lacks it
JAVA_CARRIERS = {"uint16": "int16", "uint32": "int32", "uint64": "int64"}
PYTHON_STAND_INS = {"bfloat16": "float32"}


def graph_inputs(graph: Any) -> list[Any]:
    """The graph's inputs that a caller feeds (initializers listed as inputs are not)."""
    inits = {i.name for i in graph.initializer}
    return [i for i in graph.input if i.name not in inits]


def elem_dtype(value_info: Any, kind: str) -> str:
    """The jinfer dtype of a graph input or output; an :class:`UnsupportedModelError` for a
    value that is not a tensor (a sequence, map or optional) or a tensor of a type jinfer lacks."""
    from onnx import TensorProto

    t = value_info.type
    which = t.WhichOneof("value")
    if which != "tensor_type":
        raise UnsupportedModelError(
            f"ONNX {kind} {value_info.name!r} is a {which or 'value of no type'}, not a tensor; "
            "a jinfer bundle's inputs and outputs are tensors"
        )
    elem = t.tensor_type.elem_type
    found = _elem_types().get(elem)
    if found is None:
        type_name = TensorProto.DataType.Name(elem) if elem in TensorProto.DataType.values() else str(elem)
        raise UnsupportedModelError(
            f"ONNX {kind} {value_info.name!r} has element type {type_name}, which has no jinfer dtype "
            f"(jinfer has {sorted(set(_elem_types().values()))})"
        )
    return found


def dims_of(value_info: Any) -> list[int | str | None] | None:
    """The declared dimensions: an int for a fixed one, the symbol's name for a named one, None for
    an unnamed dynamic one; None altogether when the graph declares no shape (any rank)."""
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape"):
        return None
    out: list[int | str | None] = []
    for d in tensor.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        elif d.HasField("dim_param") and d.dim_param:
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


def safe_names(names: Iterable[str], kind: str) -> dict[str, str]:
    """canonical -> native: each name as it is, unless a manifest (or the parity ``.npz``, where
    names become file names) cannot hold it: then characters other than letters, digits and
    ``_ . : -`` become ``_``, an empty name becomes ``input_0``/``output_0``, and a name taken
    already gets a ``_2`` suffix."""
    out: dict[str, str] = {}
    for i, native in enumerate(names):
        name = _UNSAFE.sub("_", native) or f"{kind}_{i}"
        if name in (".", ".."):
            name = name.replace(".", "_")
        base, n = name, 2
        while name in out:
            name, n = f"{base}_{n}", n + 1
        out[name] = native
    return out


def retyped(onx: Any, inputs: dict[str, str], outputs: dict[str, str]) -> Any:
    """A copy of the model whose graph input (output) ``name`` has the element type
    ``inputs[name]`` (``outputs[name]``), jinfer dtype names both: a ``Cast`` inside the graph turns
    it into the type the rest of the graph reads (or from the type the graph computes)."""
    import onnx
    from onnx import helper

    if not inputs and not outputs:
        return onx
    types = _type_names()
    out = onnx.ModelProto()
    out.CopyFrom(onx)
    g = out.graph
    casts = []
    for vi in g.input:
        if vi.name in inputs:
            inner = f"{vi.name}__jinfer_{elem_dtype(vi, 'input')}"
            _rename_uses(g, vi.name, inner)
            casts.append(helper.make_node("Cast", [vi.name], [inner], to=vi.type.tensor_type.elem_type))
            vi.type.tensor_type.elem_type = types[inputs[vi.name]]
    tail = []
    for vi in g.output:
        if vi.name in outputs:
            inner = f"{vi.name}__jinfer_{elem_dtype(vi, 'output')}"
            producers = [n for n in g.node if vi.name in n.output]
            if not producers:
                raise UnsupportedModelError(
                    f"ONNX output {vi.name!r} is not computed by a node of the graph (it is an input or "
                    "an initializer); jinfer cannot give it another element type"
                )
            _rename_uses(g, vi.name, inner)
            for node in producers:
                node.output[:] = [inner if o == vi.name else o for o in node.output]
            tail.append(helper.make_node("Cast", [inner], [vi.name], to=types[outputs[vi.name]]))
            vi.type.tensor_type.elem_type = types[outputs[vi.name]]
    nodes = casts + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    return out


def _rename_uses(graph: Any, old: str, new: str) -> None:
    """Every read of ``old`` by a node (in subgraphs too) reads ``new``; value_info follows."""
    from onnx import AttributeProto

    for node in graph.node:
        node.input[:] = [new if i == old else i for i in node.input]
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                _rename_uses(attr.g, old, new)
            elif attr.type == AttributeProto.GRAPHS:
                for sub in attr.graphs:
                    _rename_uses(sub, old, new)
    for vi in graph.value_info:
        if vi.name == old:
            vi.name = new
