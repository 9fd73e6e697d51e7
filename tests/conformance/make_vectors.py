"""Regenerate the conformance vectors in this folder, deterministically.

    python tests/conformance/make_vectors.py [OUT_DIR]     (default: this folder)

Writes ``dtypes.json``, ``manifests/``, ``npy/``, ``layout/`` and ``zips/`` (those folders are
replaced). The formats are described in ``README.md``. Running it twice gives identical bytes.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import io
import json
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

HERE = Path(__file__).resolve().parent
_DTYPES_PY = HERE.parent.parent / "python" / "jinfer" / "_dtypes.py"
SHA = "5f2b1c0e8a9d4e7f6b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def load_dtype_table() -> list[dict[str, Any]]:
    """The table of python/jinfer/_dtypes.py, loaded from its file (not through the package)."""
    spec = importlib.util.spec_from_file_location("_jinfer_dtypes", _DTYPES_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return [{"id": d.id, "name": d.name, "numpy": d.numpy_code, "itemsize": d.itemsize} for d in module.DTYPES]


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# manifests


def artifact(backend: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"backend": backend, "path": path, "sha256": SHA, "bytes": 1234, **extra}


PARITY = {
    "rows": 150,
    "passed": True,
    "checked_with": "java",
    "rtol": 1e-5,
    "atol": 1e-6,
    "outputs": {
        "label": {"max_abs_error": 0.0, "max_rel_error": 0.0, "mismatches": 0},
        "probabilities": {"max_abs_error": 5.9e-08, "max_rel_error": 3.1e-07, "mismatches": 0},
    },
}

CLASSIFIER: dict[str, Any] = {
    "format": "jinfer-bundle",
    "format_version": 1,
    "name": "iris",
    "version": "1.0.0",
    "created_at": "2026-11-22T03:00:00Z",
    "task": "classification",
    "inputs": [{"name": "features", "dtype": "float32", "shape": [-1, 4]}],
    "outputs": [
        {"name": "label", "dtype": "int64", "shape": [-1]},
        {"name": "probabilities", "dtype": "float32", "shape": [-1, 3]},
    ],
    "classes": [0, 1, 2],
    "artifacts": [artifact("onnx", "model.onnx")],
}

REGRESSOR: dict[str, Any] = {
    "format": "jinfer-bundle",
    "format_version": 1,
    "name": "house-prices",
    "version": "2.3.1",
    "created_at": "2026-11-22T03:00:00.123+01:00",
    "description": "Ridge, two targets",
    "producer": {
        "jinfer": "0.1.0",
        "python": "3.11.7",
        "platform": "Linux-6.1-x86_64",
        "libraries": {"scikit-learn": "1.7.2"},
    },
    "task": "regression",
    "inputs": [{"name": "features", "dtype": "float64", "shape": [-1, 3], "columns": ["rooms", "area", "age"]}],
    "outputs": [{"name": "prediction", "dtype": "float64", "shape": [-1, 2]}],
    "artifacts": [
        artifact("onnx", "model.onnx", details={"opset": 17}, parity=None),
        artifact(
            "pmml", "model.pmml", details={"pmml_version": "4.4"}, parity={"rows": 10, "passed": True, "outputs": {}}
        ),
    ],
}

MIXED: dict[str, Any] = {
    "format": "jinfer-bundle",
    "format_version": 1,
    "name": "churn",
    "version": "0.9.0",
    "created_at": "2026-01-02T10:20:30-05:00",
    "description": "Pipeline über gemischte Spalten — 顧客",
    "task": "classification",
    "inputs": [
        {"name": "age", "dtype": "float64", "shape": [-1, 1], "columns": ["age"]},
        {"name": "city", "dtype": "string", "shape": [-1, 1], "columns": ["city"]},
        {"name": "children", "dtype": "int64", "shape": [-1, 1], "columns": ["children"]},
    ],
    "outputs": [
        {"name": "label", "dtype": "string", "shape": [-1]},
        {"name": "probabilities", "dtype": "float32", "shape": [-1, 2]},
    ],
    "classes": ["stays", "leaves"],
    "artifacts": [artifact("python", "model.joblib", details={"callable": "predict_proba"})],
}

FULL = copy.deepcopy(CLASSIFIER)
FULL.update(
    {
        "description": "LogisticRegression on iris",
        "producer": {
            "jinfer": "0.1.0",
            "python": "3.11.7",
            "platform": "Linux-6.1-x86_64",
            "libraries": {"scikit-learn": "1.7.2", "skl2onnx": "1.20.0", "onnx": "1.23.2", "numpy": "2.4.6"},
        },
        "artifacts": [
            artifact(
                "onnx",
                "model.onnx",
                details={
                    "opset": 17,
                    "ml_opset": 3,
                    "converter": "skl2onnx 1.20.0",
                    "input_names": {"features": "features"},
                    "output_names": {"label": "label", "probabilities": "probabilities"},
                },
                parity=PARITY,
            )
        ],
    }
)
FULL["inputs"][0]["columns"] = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
FULL["future_field"] = {"anything": [1, 2, 3]}
FULL["inputs"][0]["layout"] = "row-major"
FULL["artifacts"][0]["signature"] = {"alg": "none"}
FULL["artifacts"].append(artifact("tensorflow", "saved_model/model.pb"))  # unknown backends are kept

VALID = {
    "classifier_minimal.json": CLASSIFIER,
    "regressor_multi_target.json": REGRESSOR,
    "mixed_inputs_string_column.json": MIXED,
    "unknown_fields.json": FULL,
    "transform.json": {
        **copy.deepcopy(REGRESSOR),
        "task": "transform",
        "classes": None,
        "outputs": [{"name": "transformed", "dtype": "float32", "shape": [-1, 5]}],
    },
    # an ONNX graph as it is: a side input without a batch, scalars, a batch that is not first
    "transform_graph.json": {
        **copy.deepcopy(REGRESSOR),
        "task": "transform",
        "classes": None,
        "inputs": [
            {"name": "x", "dtype": "float16", "shape": [-1, 3]},
            {"name": "shape", "dtype": "int64", "shape": [2], "batch_dim": -1},
            {"name": "scale", "dtype": "float32", "shape": []},
            {"name": "seq", "dtype": "uint32", "shape": [7, -1], "batch_dim": 1},
        ],
        "outputs": [
            {"name": "y", "dtype": "bfloat16", "shape": [-1, 3]},
            {"name": "len", "dtype": "int64", "shape": []},
            {"name": "tokens", "dtype": "string", "shape": [-1, -1]},
        ],
    },
}


def broken(change: Any) -> dict[str, Any]:
    """A copy of the minimal classifier with ``change(d)`` applied."""
    d = copy.deepcopy(CLASSIFIER)
    change(d)
    return d


INVALID: dict[str, tuple[Any, str, list[str]]] = {  # file: (content, code, message_contains)
    "format_version_2.json": (
        broken(lambda d: d.update(format_version=2, new_field=True)),
        "UNSUPPORTED_VERSION",
        ["format_version", "2", "1"],
    ),
    "format_version_string.json": (
        broken(lambda d: d.update(format_version="1")),
        "INVALID_MANIFEST",
        ["format_version"],
    ),
    "not_json.json": ("this is not JSON {\n", "INVALID_MANIFEST", ["JSON"]),
    "top_level_list.json": ([CLASSIFIER], "INVALID_MANIFEST", ["object"]),
    "wrong_format.json": (
        broken(lambda d: d.update(format="onnx-bundle")),
        "INVALID_MANIFEST",
        ["format", "jinfer-bundle", "onnx-bundle"],
    ),
    "missing_name.json": (broken(lambda d: d.pop("name")), "INVALID_MANIFEST", ["name", "required"]),
    "bad_created_at.json": (
        broken(lambda d: d.update(created_at="yesterday")),
        "INVALID_MANIFEST",
        ["created_at", "yesterday"],
    ),
    "bad_dtype.json": (
        broken(lambda d: d["inputs"][0].update(dtype="float128")),
        "INVALID_MANIFEST",
        ["inputs[0].dtype", "float128"],
    ),
    "shape_not_integer.json": (
        broken(lambda d: d["inputs"][0].update(shape=[-1, 4.5])),
        "INVALID_MANIFEST",
        ["inputs[0].shape[1]", "4.5"],
    ),
    "batch_dim_out_of_range.json": (
        broken(lambda d: d["inputs"][0].update(batch_dim=2)),
        "INVALID_MANIFEST",
        ["inputs[0].batch_dim", "2"],
    ),
    "shape_bad_dimension.json": (
        broken(lambda d: d["outputs"][1].update(shape=[-2, 3])),
        "INVALID_MANIFEST",
        ["outputs[1].shape[0]", "-2"],
    ),
    "empty_inputs.json": (broken(lambda d: d.update(inputs=[])), "INVALID_MANIFEST", ["inputs", "empty"]),
    "duplicate_input_names.json": (
        broken(lambda d: d["inputs"].append(dict(d["inputs"][0]))),
        "INVALID_MANIFEST",
        ["inputs[1].name", "duplicate"],
    ),
    "classes_length_mismatch.json": (
        broken(lambda d: d.update(classes=[0, 1])),
        "INVALID_MANIFEST",
        ["classes", "probabilities"],
    ),
    "classes_missing.json": (broken(lambda d: d.pop("classes")), "INVALID_MANIFEST", ["classes", "required"]),
    "unknown_task.json": (broken(lambda d: d.update(task="clustering")), "INVALID_MANIFEST", ["task", "clustering"]),
    "empty_artifacts.json": (broken(lambda d: d.update(artifacts=[])), "INVALID_MANIFEST", ["artifacts", "empty"]),
    "artifact_path_dotdot.json": (
        broken(lambda d: d["artifacts"][0].update(path="../model.onnx")),
        "UNSAFE_PATH",
        ["artifacts[0].path", "../model.onnx"],
    ),
    "artifact_path_absolute.json": (
        broken(lambda d: d["artifacts"][0].update(path="/etc/model.onnx")),
        "UNSAFE_PATH",
        ["artifacts[0].path", "/etc/model.onnx"],
    ),
    "bad_sha256.json": (
        broken(lambda d: d["artifacts"][0].update(sha256=SHA.upper())),
        "INVALID_MANIFEST",
        ["artifacts[0].sha256"],
    ),
    "negative_bytes.json": (
        broken(lambda d: d["artifacts"][0].update(bytes=-1)),
        "INVALID_MANIFEST",
        ["artifacts[0].bytes", "-1"],
    ),
}


# Issue 10: the cases where the two readers disagreed, and the rules that settle them
# (docs/bundle-format.md, "Reading rules"). Raw texts are written as they are.
CLASSIFIER_TEXT = json.dumps(CLASSIFIER, indent=2)
BEYOND_INT64 = 2**64  # asLong() wrapped these to small numbers; every reader now refuses them

INVALID.update(
    {
        "bom.json": ("\ufeff" + CLASSIFIER_TEXT, "INVALID_MANIFEST", ["byte order mark"]),
        "not_utf8.json": (CLASSIFIER_TEXT.encode().replace(b"iris", b"ir\xffs"), "INVALID_MANIFEST", ["UTF-8"]),
        "utf16.json": (CLASSIFIER_TEXT.encode("utf-16-le"), "INVALID_MANIFEST", ["JSON"]),
        "trailing_content.json": (CLASSIFIER_TEXT + "\n{}", "INVALID_MANIFEST", ["JSON"]),
        "duplicate_key.json": (
            CLASSIFIER_TEXT.replace('"name": "iris",', '"name": "iris",\n  "name": "evil",'),
            "INVALID_MANIFEST",
            ["Duplicate field 'name'"],
        ),
        "too_deep.json": (
            broken(lambda d: d.update(producer={"x": json.loads("[" * 70 + "]" * 70)})),
            "INVALID_MANIFEST",
            ["nesting depth"],
        ),
        "long_number.json": (
            broken(lambda d: d.update(producer={"x": int("9" * 1001)})),
            "INVALID_MANIFEST",
            ["Number value length"],
        ),
        "lone_surrogate.json": (
            CLASSIFIER_TEXT.replace('"name": "iris"', '"name": "ir\\ud800s"'),
            "INVALID_MANIFEST",
            ["lone surrogate"],
        ),
        "format_version_beyond_int64.json": (
            broken(lambda d: d.update(format_version=BEYOND_INT64 + 1)),
            "INVALID_MANIFEST",
            ["format_version"],
        ),
        "bytes_beyond_int64.json": (
            broken(lambda d: d["artifacts"][0].update(bytes=BEYOND_INT64 + 526)),
            "INVALID_MANIFEST",
            ["artifacts[0].bytes"],
        ),
        "shape_beyond_int64.json": (
            broken(lambda d: d["inputs"][0].update(shape=[-1, BEYOND_INT64 + 4])),
            "INVALID_MANIFEST",
            ["inputs[0].shape[1]"],
        ),
        "classes_beyond_int64.json": (
            broken(lambda d: d.update(classes=[0, 1, BEYOND_INT64])),
            "INVALID_MANIFEST",
            ["classes"],
        ),
        "dtype_uppercase.json": (
            broken(lambda d: d["inputs"][0].update(dtype="FLOAT32")),
            "INVALID_MANIFEST",
            ["inputs[0].dtype"],
        ),
        "created_at_unicode_digits.json": (
            broken(lambda d: d.update(created_at="\u0662\u0660\u0662\u0666-11-22T03:00:00Z")),
            "INVALID_MANIFEST",
            ["created_at"],
        ),
        "columns_empty.json": (
            broken(lambda d: d["inputs"][0].update(columns=[])),
            "INVALID_MANIFEST",
            ["inputs[0].columns"],
        ),
        "columns_shorter_than_shape.json": (
            broken(lambda d: d["inputs"][0].update(columns=["a", "b"])),
            "INVALID_MANIFEST",
            ["inputs[0].columns"],
        ),
        "columns_not_strings.json": (
            broken(lambda d: d["inputs"][0].update(columns=["a", "b", "c", 4])),
            "INVALID_MANIFEST",
            ["inputs[0].columns"],
        ),
        "columns_not_a_list.json": (
            broken(lambda d: d["inputs"][0].update(columns="abcd")),
            "INVALID_MANIFEST",
            ["inputs[0].columns"],
        ),
    }
)

# The type mutations: each optional field with a value of every other JSON type. null counts as
# absent (valid); every other wrong type is refused, naming the field.
JSON_VALUES: dict[str, Any] = {
    "null": None,
    "true": True,
    "int": 5,
    "float": 2.5,
    "string": "text",
    "list": [1],
    "object": {"k": "v"},
}
OPTIONAL_FIELDS: dict[str, tuple[str, str, Any]] = {  # name: (path in messages, the right type, setter)
    "description": ("description", "string", lambda d, v: d.update(description=v)),
    "producer": ("producer", "object", lambda d, v: d.update(producer=v)),
    "details": ("artifacts[0].details", "object", lambda d, v: d["artifacts"][0].update(details=v)),
    "parity": ("artifacts[0].parity", "object", lambda d, v: d["artifacts"][0].update(parity=v)),
}
for field_name, (where, right, setter) in OPTIONAL_FIELDS.items():
    for type_name, value in JSON_VALUES.items():
        content = broken(lambda d, s=setter, v=value: s(d, v))
        if type_name in ("null", right):
            VALID[f"type_{field_name}_{type_name}.json"] = content
        else:
            INVALID[f"type_{field_name}_{type_name}.json"] = (content, "INVALID_MANIFEST", [where])
VALID["created_at_long_fraction.json"] = broken(lambda d: d.update(created_at="2026-11-22T03:00:00.1234567890Z"))


def make_manifests(out: Path) -> None:
    for name, d in VALID.items():
        write_json(out / "valid" / name, d)
    cases: dict[str, Any] = {"valid": sorted(VALID), "invalid": {}}
    (out / "invalid").mkdir(parents=True, exist_ok=True)
    for name, (content, code, contains) in sorted(INVALID.items()):
        if isinstance(content, bytes):
            (out / "invalid" / name).write_bytes(content)
        elif isinstance(content, str):
            (out / "invalid" / name).write_bytes(content.encode("utf-8", "surrogatepass"))
        else:
            write_json(out / "invalid" / name, content)
        cases["invalid"][name] = {"code": code, "message_contains": contains}
    write_json(out / "cases.json", cases)


# ---------------------------------------------------------------------------------------------
# npy / npz


def c(values: list[Any], descr: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    return np.array(values, dtype=descr).reshape(shape if shape is not None else (len(values),))


def bf16(values: list[float]) -> np.ndarray:
    """bfloat16 values (each exact in bfloat16) as ml_dtypes holds them; np.save writes them as <V2."""
    import ml_dtypes

    return c(values, ml_dtypes.bfloat16)


NPY: dict[str, tuple[str, np.ndarray]] = {  # file: (jinfer dtype name, array)
    "float32.npy": ("float32", c([0.5, 1.5, -2.25, 0.0, 1024.0, -0.125], "<f4")),
    "float64.npy": ("float64", c([0.5, -1.25, 0.001, 1e-300, 1e300, 123456789.125], "<f8")),
    "int8.npy": ("int8", c([-128, -1, 0, 127], "|i1")),
    "uint8.npy": ("uint8", c([0, 1, 128, 255], "|u1")),
    "int16.npy": ("int16", c([-32768, -2, 3, 32767], "<i2")),
    "int32.npy": ("int32", c([-2147483648, -7, 7, 2147483647], "<i4")),
    "int64.npy": ("int64", c([-9223372036854775808, -1, 42, 9223372036854775807], "<i8")),
    "bool.npy": ("bool", c([True, False, True, True], "|b1")),
    "string.npy": ("string", c(["héllo", "日本語", "", "emoji 😀", "plain"], "<U")),
    "string_2d.npy": ("string", c(["a", "bé", "ç", "日"], "<U", (2, 2))),
    "float64_big_endian.npy": ("float64", c([1.5, -0.25, 0.001], ">f8")),
    "fortran_2d.npy": ("int32", np.asfortranarray(c([1, 2, 3, 4, 5, 6], "<i4", (2, 3)))),
    "scalar_0d.npy": ("float64", c([2.5], "<f8", ())),
    "empty_0x3.npy": ("float32", c([], "<f4", (0, 3))),
    "tensor_3d.npy": ("int64", np.arange(-12, 12, dtype="<i8").reshape(2, 3, 4)),
    # half precision: the largest, the smallest normal and subnormal values, a value that rounds
    "float16.npy": ("float16", c([0.5, -2.0, 65504.0, 2.0**-14, 2.0**-24, 0.0, 0.1], "<f2")),
    "bfloat16.npy": ("bfloat16", bf16([1.5, -2.0, 2.0**127 * 1.9921875, 2.0**-126, 0.0078125, -0.0])),
    "bfloat16_raw.npy": ("bfloat16", bf16([3.0, -0.5, 96.0]).view("V2")),  # |V2: raw bytes, no ml_dtypes
    "uint16.npy": ("uint16", c([0, 1, 32768, 65535], "<u2")),
    "uint32.npy": ("uint32", c([0, 7, 2147483648, 4294967295], "<u4")),
    "uint32_big_endian.npy": ("uint32", c([1, 4294967294], ">u4")),
    "uint64.npy": ("uint64", c([0, 42, 9223372036854775808, 18446744073709551615], "<u8")),
}
NPY_V2 = {"float32_header_v2.npy": ("float32", c([0.5, -1.5], "<f4"))}  # header format version 2.0


def spec_of(dtype_name: str, array: np.ndarray) -> dict[str, Any]:
    values = bf16([]).dtype if dtype_name == "bfloat16" else array.dtype
    return {
        "dtype": dtype_name,
        "descr": array.dtype.str,
        "shape": list(array.shape),
        "values": array.view(values).ravel(order="C").tolist(),  # bfloat16's raw bytes as numbers
    }


def npz(arrays: dict[str, np.ndarray], compression: int) -> bytes:
    """Like ``np.savez`` / ``np.savez_compressed``, with fixed entry times so the bytes repeat."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", ZIP_TIME)
            info.compress_type = compression  # a ZipInfo does not take the archive's default
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    return buf.getvalue()


def raw_npy(header: str, data: bytes = b"", version: int = 1, declared: int | None = None) -> bytes:
    """An .npy file with this header text, written by hand (numpy would not write these)."""
    text = header.encode("latin1")
    length_bytes = 2 if version == 1 else 4
    pad = -(len(MAGIC_NPY) + 2 + length_bytes + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    size = len(text) if declared is None else declared
    length = size.to_bytes(length_bytes, "little")
    return MAGIC_NPY + bytes([version, 0]) + length + text + data


MAGIC_NPY = b"\x93NUMPY"
# Issue 10: headers and shapes that crashed a reader (a recursion overflow, arithmetic overflow)
# or made one allocate what the file does not hold. Every reader refuses them (INVALID_NPY).
HOSTILE_NPY: dict[str, tuple[bytes, str, str]] = {
    "header_too_long.npy": (
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + " " * 12_000, b"\0" * 4, version=2),
        "a header over numpy's bound of 10,000 bytes",
        "header",
    ),
    "header_nested.npy": (
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 3000 + ")" * 3000 + ", }", version=2),
        "3,000 nested parentheses in the header (a recursive parser overflows its stack)",
        "header",
    ),
    "shape_overflow.npy": (
        raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", b"\0" * 64),
        "a shape whose element count overflows int64",
        "elements",
    ),
    "count_over_bytes.npy": (
        raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 128),
        "10^12 elements claimed, 128 bytes present",
        "elements",
    ),
    "u0_huge.npy": (
        raw_npy("{'descr': '<U0', 'fortran_order': False, 'shape': (2000000000, 4), }", b"\0" * 128),
        "zero-width strings: 8e9 elements in 128 bytes",
        "elements",
    ),
    "shape_list.npy": (
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", b"\0" * 8),
        "a list where numpy requires a tuple",
        "shape",
    ),
    "extra_key.npy": (
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }", b"\0" * 8),
        "a header key numpy does not know",
        "header",
    ),
    "negative_dim.npy": (
        raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", b"\0" * 8),
        "a negative dimension",
        "shape",
    ),
    "bytes_dtype.npy": (
        raw_npy("{'descr': '|S4', 'fortran_order': False, 'shape': (2,), }", b"abcdefgh"),
        "a bytes (|S) array: not in the dtype table",
        "|S4",
    ),
}

NPZ = {
    "pair.npz": (
        zipfile.ZIP_STORED,
        {
            "features": ("float32", c([0.5, 1.5, -2.25, 0.0, 1.0, 2.0], "<f4", (2, 3))),
            "label": ("int64", c([0, 2], "<i8")),
        },
    ),
    "pair_deflated.npz": (
        zipfile.ZIP_DEFLATED,
        {"names": ("string", c(["a", "ü"], "<U")), "x": ("float64", c([0.001, -1.25], "<f8"))},
    ),
}


def make_npy(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    valid = []
    for name, (dtype_name, array) in {**NPY, **NPY_V2}.items():
        with open(out / name, "wb") as f:
            np.lib.format.write_array(f, array, version=(2, 0) if name in NPY_V2 else None, allow_pickle=False)
        valid.append(
            {
                "file": name,
                **spec_of(dtype_name, array),
                "fortran_order": bool(array.flags.f_contiguous and not array.flags.c_contiguous),
            }
        )
    good = (out / "float64.npy").read_bytes()
    (out / "truncated.npy").write_bytes(good[:-5])
    (out / "bad_magic.npy").write_bytes(b"\x93NUMPX" + good[6:])
    np.save(out / "object_dtype.npy", np.array(["a", 1, None], dtype=object), allow_pickle=True)
    np.save(out / "unsupported_dtype.npy", c([1 + 2j], "<c16"))
    invalid = [
        {"file": "object_dtype.npy", "reason": "object (pickled) array", "error_contains": "object"},
        {"file": "truncated.npy", "reason": "data cut short by 5 bytes", "error_contains": "truncated"},
        {"file": "bad_magic.npy", "reason": "magic string is not \\x93NUMPY", "error_contains": "magic"},
        {"file": "unsupported_dtype.npy", "reason": "complex128 is not in the dtype table", "error_contains": "<c16"},
    ]
    for name, (data, reason, contains) in HOSTILE_NPY.items():
        (out / name).write_bytes(data)
        invalid.append({"file": name, "reason": reason, "error_contains": contains})
    npz_cases = []
    for name, (compression, arrays) in NPZ.items():
        (out / name).write_bytes(npz({k: a for k, (_, a) in arrays.items()}, compression))
        npz_cases.append({"file": name, "arrays": {k: spec_of(t, a) for k, (t, a) in arrays.items()}})
    write_json(out / "cases.json", {"valid": valid, "invalid": invalid, "npz": npz_cases})


# ---------------------------------------------------------------------------------------------
# zips: hostile bundles (issue 10), each with the error both readers give


class Entry(NamedTuple):
    """One zip entry as written by :func:`raw_zip`, which tells whatever lie a field holds."""

    name: bytes | str
    data: bytes
    deflate: bool = True
    tail: bytes = b""  # inflated bytes that follow the declared data in the deflate stream
    size: int | None = None  # the declared uncompressed size (default: the truth)
    crc: int | None = None
    method: int | None = None
    flags: int = 0x800
    zip64_size: int | None = None  # declared in a zip64 extra field of the central directory
    comment: bytes = b""  # the entry's comment in the central directory

    def stored(self) -> bytes:
        if not self.deflate:
            return self.data + self.tail
        c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return c.compress(self.data + self.tail) + c.flush()


def raw_zip(entries: list[Entry]) -> bytes:
    """A zip archive written field by field, so that a vector can lie in any of them."""
    out, central = bytearray(), bytearray()
    for e in entries:
        name = e.name.encode("utf-8") if isinstance(e.name, str) else e.name
        body = e.stored()
        method = e.method if e.method is not None else (8 if e.deflate else 0)
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        size = len(e.data) if e.size is None else e.size
        extra = b""
        cd_size = size
        if e.zip64_size is not None:
            cd_size, extra = 0xFFFFFFFF, struct.pack("<HHQ", 1, 8, e.zip64_size)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e.flags, method, 0, 0x21, crc, len(body), size, len(name), 0)
        out += name + body
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            45 if extra else 20,
            e.flags,
            method,
            0,
            0x21,
            crc,
            len(body),
            cd_size,
            len(name),
            len(extra),
            len(e.comment),
            0,
            0,
            0o644 << 16,
            offset,
        )
        central += name + extra + e.comment
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def zip_manifest(**changes: Any) -> bytes:
    """A valid manifest for a bundle of ``model.bin`` (backend ``test``), with ``changes``."""
    d = copy.deepcopy(CLASSIFIER)
    d["artifacts"] = [
        {
            "backend": "test",
            "path": "model.bin",
            "sha256": hashlib.sha256(MODEL_BIN).hexdigest(),
            "bytes": len(MODEL_BIN),
            **changes,
        }
    ]
    return (json.dumps(d, indent=2) + "\n").encode()


MODEL_BIN = b"a stand-in artifact: the reading rules never parse it " * 8
PARITY_NPZ = npz({"features": c([0.5, 1.5, -2.25, 0.0], "<f4", (1, 4))}, zipfile.ZIP_DEFLATED)


def bundle(*extra: Entry, manifest: bytes | None = None, parity: bytes | None = PARITY_NPZ) -> list[Entry]:
    entries = [Entry("manifest.json", manifest or zip_manifest()), Entry("model.bin", MODEL_BIN)]
    if parity is not None:
        entries.append(Entry("parity/inputs.npz", parity, deflate=False))
    return entries + list(extra)


def npz_raw(member: Entry) -> bytes:
    return raw_zip([member])


def onnx_bundle(model: bytes, *files: tuple[str, bytes], listed: list[tuple[str, bytes]] = ()) -> list[Entry]:
    """A bundle of a real ONNX model (y = x @ W, W 2x3 float32) with ``files`` beside it."""
    d = copy.deepcopy(REGRESSOR)
    d["inputs"] = [{"name": "x", "dtype": "float32", "shape": [-1, 2]}]
    d["outputs"] = [{"name": "prediction", "dtype": "float32", "shape": [-1, 3]}]
    details: dict[str, Any] = {"input_names": {"x": "x"}, "output_names": {"prediction": "y"}}
    if listed:
        details["external_data"] = [
            {"path": p, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for p, b in listed
        ]
    d["artifacts"] = [
        {
            "backend": "onnx",
            "path": "model.onnx",
            "sha256": hashlib.sha256(model).hexdigest(),
            "bytes": len(model),
            "details": details,
        }
    ]
    manifest = (json.dumps(d, indent=2) + "\n").encode()
    return [Entry("manifest.json", manifest), Entry("model.onnx", model)] + [Entry(n, b) for n, b in files]


WEIGHTS = np.arange(6, dtype="<f4").reshape(2, 3)


def onnx_model(where: str, location: str = "weights.bin") -> bytes:
    """y = x @ W with W's data in ``location``, kept in ``where``: an initializer of the main graph,
    a Constant node's attribute, a sparse initializer, or an initializer of a subgraph (an If)."""
    from onnx import TensorProto, helper, numpy_helper

    def external(name: str) -> Any:
        t = numpy_helper.from_array(WEIGHTS, name)
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", location), ("offset", "0"), ("length", str(WEIGHTS.nbytes))):
            t.external_data.add(key=k, value=v)
        return t

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])
    nodes, inits, sparse = [], [], []
    if where == "initializer":
        inits = [external("W")]
        nodes = [helper.make_node("MatMul", ["x", "W"], ["y"])]
    elif where == "attribute":
        nodes = [
            helper.make_node("Constant", [], ["W"], value=external("Wc")),
            helper.make_node("MatMul", ["x", "W"], ["y"]),
        ]
    elif where == "sparse":
        values = external("Wv")
        values.dims[:] = [6]
        sparse = [helper.make_sparse_tensor(values, numpy_helper.from_array(np.arange(6, dtype=np.int64), "i"), [2, 3])]
        sparse[0].values.name = "W"
        nodes = [helper.make_node("MatMul", ["x", "W"], ["y"])]
    else:  # subgraph: an If whose branches hold W as an initializer of their own
        branch = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "branch", [], [y], [external("W")])
        cond = numpy_helper.from_array(np.array(True), "cond")
        inits = [cond]
        nodes = [helper.make_node("If", ["cond"], ["y"], then_branch=branch, else_branch=branch)]
    graph = helper.make_graph(nodes, "g", [x], [y], inits, sparse_initializer=sparse)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    model.producer_name = "make_vectors.py"
    return model.SerializeToString(deterministic=True)


def zip_cases() -> dict[str, tuple[list[Entry], dict[str, Any]]]:
    """file: (entries, case). ``stage`` is what a reader does before the error: ``open`` the bundle,
    read every ``artifact`` (checked; an ONNX one through the external-data rule), or read the
    ``parity`` sample; ``code`` null means every stage passes."""
    weights = WEIGHTS.tobytes()
    honest = b"\0" * (8 << 20)
    padded = zip_manifest().replace(b'"name": "iris"', b'"name": "iris", "padding": "' + b"x" * 2048 + b'"')
    cases: dict[str, tuple[list[Entry], dict[str, Any]]] = {
        "valid.jinfer": (bundle(), {"code": None, "stage": "parity"}),
        "duplicate_manifest.jinfer": (
            bundle(Entry("manifest.json", zip_manifest().replace(b"iris", b"evil"))),
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["twice"]},
        ),
        "stored_edited_old_crc.jinfer": (
            [
                Entry(
                    "manifest.json",
                    zip_manifest().replace(b"iris", b"evil"),
                    deflate=False,
                    crc=zlib.crc32(zip_manifest()),
                ),
                *bundle()[1:],
            ],
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["CRC"]},
        ),
        "size_lie_manifest.jinfer": (
            [Entry("manifest.json", zip_manifest(), size=len(zip_manifest()) + 100000), *bundle()[1:]],
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["ends after"]},
        ),
        "size_lie_artifact.jinfer": (
            [*bundle()[:1], Entry("model.bin", MODEL_BIN, size=100000), *bundle()[2:]],
            {"code": "CHECKSUM_MISMATCH", "stage": "open", "message_contains": ["model.bin", "100000"]},
        ),
        "deflate_past_declared_manifest.jinfer": (
            [Entry("manifest.json", zip_manifest(), tail=b" " * (1 << 20)), *bundle()[1:]],
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["more than"]},
        ),
        "deflate_past_declared_artifact.jinfer": (
            [*bundle()[:1], Entry("model.bin", MODEL_BIN, tail=b"\x00" * (1 << 20)), *bundle()[2:]],
            {"code": "BUNDLE_CORRUPT", "stage": "artifact", "message_contains": ["more than"]},
        ),
        "stored_size_mismatch.jinfer": (
            [*bundle()[:1], Entry("model.bin", MODEL_BIN, deflate=False, tail=b"extra"), *bundle()[2:]],
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["stored"]},
        ),
        "nul_name.jinfer": (
            [*bundle()[:1], Entry("model.bin\x00/../../x", MODEL_BIN)],
            {"code": "UNSAFE_PATH", "stage": "open", "message_contains": ["control character"]},
        ),
        "name_not_utf8.jinfer": (
            bundle(Entry(b"model\xff.bin", MODEL_BIN, flags=0)),
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["name"]},
        ),
        "bzip2_entry.jinfer": (
            bundle(Entry("other.bin", b"x", deflate=False, method=12)),
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["method"]},
        ),
        "comment_not_utf8.jinfer": (
            bundle(Entry("other.bin", b"x", comment=b"caf\xe9")),
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["comment"]},
        ),
        "encrypted_entry.jinfer": (
            bundle(Entry("other.bin", b"x", deflate=False, flags=0x801)),
            {"code": "BUNDLE_CORRUPT", "stage": "open", "message_contains": ["encrypted"]},
        ),
        "bomb_honest.jinfer": (
            bundle(Entry("padding.bin", honest)),
            {"code": "BUNDLE_TOO_LARGE", "stage": "open", "limits": {"max_bundle_bytes": 1 << 20}},
        ),
        "zip64_size_lie.jinfer": (
            bundle(Entry("padding.bin", b"\0" * 64, zip64_size=1 << 40)),
            {"code": "BUNDLE_TOO_LARGE", "stage": "open", "message_contains": ["for one file"]},
        ),
        "too_many_entries.jinfer": (
            bundle(*[Entry(f"extra/{i}.bin", b"x") for i in range(10)]),
            {
                "code": "BUNDLE_TOO_LARGE",
                "stage": "open",
                "message_contains": ["entries"],
                "limits": {"max_entries": 10},
            },
        ),
        "manifest_over_limit.jinfer": (
            [Entry("manifest.json", padded), *bundle()[1:]],
            {
                "code": "BUNDLE_TOO_LARGE",
                "stage": "open",
                "message_contains": ["manifest.json"],
                "limits": {"max_manifest_bytes": 2048},
            },
        ),
        "npz_past_declared.jinfer": (
            bundle(parity=npz_raw(Entry("features.npy", PARITY_NPZ_MEMBER, tail=b"\0" * (1 << 20)))),
            {"code": "INVALID_NPY", "stage": "parity", "message_contains": ["more than"]},
        ),
        "npz_duplicate_member.jinfer": (
            bundle(parity=raw_zip([Entry("x.npy", PARITY_NPZ_MEMBER), Entry("x", PARITY_NPZ_MEMBER)])),
            {"code": "INVALID_NPY", "stage": "parity", "message_contains": ["twice"]},
        ),
    }
    for name, (data, _, contains) in HOSTILE_NPY.items():
        cases[f"npz_{name.removesuffix('.npy')}.jinfer"] = (
            bundle(parity=npz_raw(Entry("features.npy", data))),
            {"code": "INVALID_NPY", "stage": "parity", "message_contains": [], "error_contains": contains},
        )
    for entry, what in (
        ("../evil", "dotdot"),
        ("/abs", "absolute"),
        ("a\\..\\..\\b", "backslash"),
        ("C:/windows.txt", "drive"),
        ("\\\\server\\share\\x", "unc"),
    ):
        cases[f"unsafe_{what}.jinfer"] = (
            bundle(Entry(entry, b"x")),
            {"code": "UNSAFE_PATH", "stage": "open", "message_contains": [entry]},
        )
    for where in ("initializer", "attribute", "sparse", "subgraph"):
        cases[f"onnx_external_{where}.jinfer"] = (
            onnx_bundle(onnx_model(where), ("weights.bin", weights)),
            {"code": "UNSAFE_CONTENT", "stage": "artifact", "message_contains": ["weights.bin", "outside the model"]},
        )
    cases["onnx_external_ort_memory_tag.jinfer"] = (
        onnx_bundle(onnx_model("initializer", "*/_ORT_MEM_ADDR_/*")),
        {"code": "UNSAFE_CONTENT", "stage": "artifact", "message_contains": ["_ORT_MEM_ADDR_"]},
    )
    cases["onnx_external_listed.jinfer"] = (
        onnx_bundle(onnx_model("initializer"), ("weights.bin", weights), listed=[("weights.bin", weights)]),
        {"code": None, "stage": "artifact", "predict": {"x": [[1.0, 2.0]], "prediction": [[6.0, 9.0, 12.0]]}},
    )
    cases["onnx_external_listed_wrong_sha256.jinfer"] = (
        onnx_bundle(onnx_model("initializer"), ("weights.bin", weights[::-1]), listed=[("weights.bin", weights)]),
        {"code": "CHECKSUM_MISMATCH", "stage": "artifact", "message_contains": ["weights.bin"]},
    )
    cases["onnx_external_listed_subgraph.jinfer"] = (
        onnx_bundle(onnx_model("subgraph"), ("weights.bin", weights), listed=[("weights.bin", weights)]),
        {"code": "UNSUPPORTED_ARTIFACT", "stage": "artifact", "message_contains": ["main graph"]},
    )
    return cases


PARITY_NPZ_MEMBER = raw_npy(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", c([0.5, 1.5, -2.25, 0.0], "<f4").tobytes()
)


def make_zips(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cases = {}
    for name, (entries, case) in sorted(zip_cases().items()):
        (out / name).write_bytes(raw_zip(entries))
        cases[name] = {"message_contains": [], **case}
    write_json(out / "cases.json", cases)


# ---------------------------------------------------------------------------------------------
# layout: the wire format of several tensors in one buffer (io.jinfer.wire.Layout)

ALIGNMENT = 8

# Values for every numeric dtype of the table and bool; counts are odd where the size allows, so
# that most tensors need padding after them. Floats are exact in their dtype.
LAYOUT_VALUES: dict[str, list[Any]] = {
    "float32": [0.5, -1.25, 1024.0, -0.125, 2.0**127],
    "float64": [0.001, -1e300, 123456789.125],
    "int8": [-128, -1, 0, 1, 127],
    "uint8": [0, 1, 128, 255, 7],
    "int16": [-32768, -2, 32767],
    "int32": [-2147483648, 7, 2147483647],
    "int64": [-9223372036854775808, 42, 9223372036854775807],
    "bool": [True, False, True],
    "float16": [0.5, -65504.0, 2.0**-24],
    "bfloat16": [1.5, -(2.0**100), 0.0078125],
    "uint16": [0, 65535, 300],
    "uint32": [4294967295, 0, 7],
    "uint64": [18446744073709551615, 1],
}

# file: the tensors laid out in it, one after another, as (dtype name, shape, C-order values)
LAYOUT: dict[str, list[tuple[str, tuple[int, ...], list[Any]]]] = {
    "mixed.bin": [
        ("int64", (3,), [1, -2, 3]),
        ("float32", (2, 2), [0.5, -1.5, 2.25, 8.0]),
        ("uint8", (3,), [1, 2, 255]),
        ("float64", (), [-0.375]),
        ("int16", (3,), [-300, 0, 300]),
    ],
    "zero_d_and_empty.bin": [
        ("int8", (), [-7]),
        ("float32", (0, 4), []),
        ("bool", (0,), []),
        ("int64", (1,), [5]),
        ("int32", (2, 0, 3), []),
    ],
    "odd_sizes.bin": [
        ("bool", (1, 3), [True, True, False]),
        ("int8", (7,), [1, -2, 3, -4, 5, -6, 7]),
        ("int16", (1, 1, 3), [1, 2, 3]),
        ("uint8", (1,), [9]),
        ("float32", (1,), [-2.5]),
    ],
    "single.bin": [("float64", (2, 2), [1.0, -2.0, 0.5, 1e-300])],
}


def layout_cases(table: list[dict[str, Any]]) -> dict[str, list[tuple[str, tuple[int, ...], list[Any]]]]:
    """LAYOUT, plus ``every_dtype.bin``: one tensor of each numeric dtype of the table, in id order."""
    numeric = [d["name"] for d in table if d["itemsize"] > 0]
    missing = sorted(set(numeric) - set(LAYOUT_VALUES))
    if missing:
        raise SystemExit(f"make_vectors.py: add LAYOUT_VALUES for the new dtypes {missing}")
    every = [(name, (len(LAYOUT_VALUES[name]),), LAYOUT_VALUES[name]) for name in numeric]
    return {"every_dtype.bin": every, **LAYOUT}


def make_layout(out: Path, table: list[dict[str, Any]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    numpy_code: dict[str, Any] = {d["name"]: d["numpy"] for d in table}
    numpy_code["bfloat16"] = bf16([]).dtype  # <V2 is bfloat16's code, but numbers need ml_dtypes
    cases = []
    for name, tensors in layout_cases(table).items():
        data = bytearray()
        specs = []
        for dtype_name, shape, values in tensors:
            array = np.array(values, dtype=numpy_code[dtype_name]).reshape(shape)
            data += bytes(-len(data) % ALIGNMENT)  # zero padding up to the next multiple of 8
            specs.append(
                {
                    "dtype": dtype_name,
                    "shape": list(shape),
                    "offset": len(data),
                    "values": array.ravel(order="C").tolist(),
                }
            )
            data += array.tobytes(order="C")
        data += bytes(-len(data) % ALIGNMENT)
        (out / name).write_bytes(bytes(data))
        cases.append({"file": name, "bytes": len(data), "tensors": specs})
    write_json(out / "cases.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
# casts.json: numpy's "safe" casting rule between the numeric dtypes (Java's DType.canCastSafelyTo)
# halves.json: float32 values and the float16 and bfloat16 numpy (ml_dtypes) rounds them to


def make_casts(out: Path, table: list[dict[str, Any]]) -> None:
    numeric = {d["name"]: (bf16([]).dtype if d["name"] == "bfloat16" else np.dtype(d["numpy"])) for d in table}
    numeric = {k: v for k, v in numeric.items() if k != "string"}
    safe = {a: [b for b in numeric if b != a and np.can_cast(numeric[a], numeric[b], "safe")] for a in numeric}
    write_json(out, {"safe": safe})


def make_halves(out: Path) -> None:
    import ml_dtypes

    with np.errstate(over="ignore"):
        floats = np.array(
            [
                0.0,
                -0.0,
                1.0,
                -1.5,
                0.1,
                1 / 3,
                65504.0,
                65519.99,
                65520.0,
                1e6,
                2.0**-14,
                2.0**-24,
                2.0**-25,
                3 * 2.0**-26,
                1e-8,
                1.0009765625,
                1.00048828125,
                1.00146484375,
                3.0e38,
                1.00390625,
                1.01171875,
                np.inf,
                -np.inf,
                np.nan,
            ],
            dtype=np.float32,
        )
        halves = floats.astype(np.float16).view(np.uint16)
        brains = floats.astype(ml_dtypes.bfloat16).view(np.uint16)
    write_json(
        out,
        {
            "float32_bits": floats.view(np.uint32).tolist(),
            "float16_bits": halves.tolist(),
            "bfloat16_bits": brains.tolist(),
        },
    )


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for generated in ("manifests", "npy", "layout", "zips"):
        shutil.rmtree(out / generated, ignore_errors=True)
    table = load_dtype_table()
    write_json(out / "dtypes.json", table)
    make_casts(out / "casts.json", table)
    make_halves(out / "halves.json")
    make_manifests(out / "manifests")
    make_npy(out / "npy")
    make_layout(out / "layout", table)
    make_zips(out / "zips")


if __name__ == "__main__":
    main(sys.argv)
