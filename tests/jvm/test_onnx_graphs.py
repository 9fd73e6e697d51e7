"""Any ONNX graph as a bundle: transform graphs built here with ``onnx.helper``, exported, and run
through Java on fresh inputs against ONNX Runtime's Python package on the same inputs.

Multi-output graphs, a side input without a batch, scalar outputs, float16/bfloat16/unsigned
tensors, strings, names a manifest cannot hold, and single-input graphs given a dict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

import jinfer

RNG = np.random.default_rng(5)


def model(nodes: list[Any], inputs: list[Any], outputs: list[Any], inits: list[Any] | None = None) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits or [])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    onnx.checker.check_model(m)
    return m


def vi(name: str, elem: int, dims: list[Any] | None) -> Any:
    return helper.make_tensor_value_info(name, elem, dims)


def ort_run(m: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    return ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)


def exported(m: onnx.ModelProto, sample: Any, tmp_path: Path, **kw: Any) -> jinfer.Bundle:
    bundle = jinfer.export(m, sample, tmp_path / "g.jinfer", **kw)
    (artifact,) = bundle.manifest.artifacts
    assert artifact.backend == "onnx" and artifact.parity["passed"] and artifact.parity["checked_with"] == "java"
    return bundle


def test_a_multi_output_graph_keeps_its_outputs_by_name(tmp_path: Path) -> None:
    one = numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")
    axis = numpy_helper.from_array(np.array([1], dtype=np.int64), "axis")
    m = model(
        [
            helper.make_node("Add", ["x", "one"], ["plus_one"]),
            helper.make_node("ReduceSum", ["x", "axis"], ["row_sum"], keepdims=0),
            helper.make_node("ReduceMax", ["x"], ["peak"], keepdims=0),  # no axes: all of x, a scalar
        ],
        [vi("x", T.FLOAT, ["N", 3])],
        [vi("plus_one", T.FLOAT, ["N", 3]), vi("row_sum", T.FLOAT, ["N"]), vi("peak", T.FLOAT, [])],
        [one, axis],
    )
    x = RNG.normal(size=(20, 3)).astype(np.float32)
    bundle = exported(m, {"x": x}, tmp_path)
    man = bundle.manifest
    assert man.task == "transform" and [o.name for o in man.outputs] == ["plus_one", "row_sum", "peak"]
    assert man.output("plus_one").shape == (-1, 3) and man.output("plus_one").batch_dim == 0
    assert man.output("peak").shape == () and not man.output("peak").batched
    fresh = RNG.normal(size=(7, 3)).astype(np.float32)
    with jinfer.load(bundle.path) as jm:
        out = jm.predict(fresh)
    want = ort_run(m, {"x": fresh})
    for name, w in zip(["plus_one", "row_sum", "peak"], want):
        assert out[name].shape == w.shape and out[name].dtype == w.dtype
        np.testing.assert_allclose(out[name], w, rtol=1e-6)


def test_a_side_input_without_a_batch_keeps_its_size(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Expand", ["x", "shape"], ["y"])],
        [vi("x", T.FLOAT, ["N", 1]), vi("shape", T.INT64, [2])],
        [vi("y", T.FLOAT, ["N", None])],
    )
    x = RNG.normal(size=(12, 1)).astype(np.float32)
    bundle = exported(m, {"x": x, "shape": np.array([1, 4], dtype=np.int64)}, tmp_path)
    specs = {s.name: s for s in bundle.manifest.inputs}
    assert specs["x"].batch_dim == 0 and specs["shape"].batch_dim == -1 and specs["shape"].shape == (2,)
    assert bundle.manifest.output("y").batch_dim == 0 and bundle.manifest.output("y").shape == (-1, -1)
    fresh = RNG.normal(size=(5, 1)).astype(np.float32)
    with jinfer.load(bundle.path) as jm:
        out = jm.predict({"x": fresh, "shape": np.array([1, 6], dtype=np.int64)})  # 2 != 5 rows: fine
        np.testing.assert_array_equal(out["y"], np.broadcast_to(fresh, (5, 6)))
        with pytest.raises(jinfer.InputError) as info:
            jm.predict({"x": fresh, "shape": np.array([1, 6, 1], dtype=np.int64)})
    assert info.value.code == "SHAPE_MISMATCH" and "shape" in str(info.value) and "3" in str(info.value)


def test_batched_inputs_must_agree_and_a_scalar_output_comes_back(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Size", ["s"], ["n"])],
        [vi("a", T.FLOAT, ["N", 2]), vi("b", T.FLOAT, ["N", 2])],
        [vi("s", T.FLOAT, ["N", 2]), vi("n", T.INT64, [])],
    )
    a, b = (RNG.normal(size=(9, 2)).astype(np.float32) for _ in range(2))
    bundle = exported(m, {"a": a, "b": b}, tmp_path)
    assert bundle.manifest.output("n").shape == () and bundle.manifest.task == "transform"
    with jinfer.load(bundle.path) as jm:
        out = jm.predict({"a": a[:4], "b": b[:4]})
        assert out["n"].shape == () and int(out["n"]) == 8
        np.testing.assert_allclose(out["s"], a[:4] + b[:4], rtol=1e-6)
        with pytest.raises(jinfer.InputError) as info:
            jm.predict({"a": a[:4], "b": b[:3]})
    assert info.value.code == "SHAPE_MISMATCH" and "batch" in str(info.value)


def test_float16_bfloat16_and_unsigned_tensors_in_and_out(tmp_path: Path) -> None:
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float16), "two")
    m = model(
        [
            helper.make_node("Mul", ["h", "two"], ["h2"]),
            helper.make_node("Cast", ["h2"], ["b"], to=T.BFLOAT16),
            helper.make_node("Cast", ["u"], ["u64"], to=T.UINT64),
            helper.make_node("Identity", ["u"], ["u_same"]),
        ],
        [vi("h", T.FLOAT16, ["N", 3]), vi("u", T.UINT32, ["N"])],
        [
            vi("h2", T.FLOAT16, ["N", 3]),
            vi("b", T.BFLOAT16, ["N", 3]),
            vi("u64", T.UINT64, ["N"]),
            vi("u_same", T.UINT32, ["N"]),
        ],
        [two],
    )
    h = RNG.normal(size=(10, 3)).astype(np.float16)
    u = np.array([0, 1, 2**31, 2**32 - 1, 7, 8, 9, 10, 11, 12], dtype=np.uint32)
    bundle = exported(m, {"h": h, "u": u}, tmp_path)
    dtypes = {s.name: s.dtype for s in (*bundle.manifest.inputs, *bundle.manifest.outputs)}
    assert dtypes == {
        "h": "float16",
        "u": "uint32",
        "h2": "float16",
        "b": "bfloat16",
        "u64": "uint64",
        "u_same": "uint32",
    }
    fresh_h = RNG.normal(size=(4, 3)).astype(np.float16)
    fresh_u = np.array([2**32 - 1, 3, 2**31 + 5, 0], dtype=np.uint32)
    with jinfer.load(bundle.path) as jm:
        out = jm.predict({"h": fresh_h, "u": fresh_u})
    assert out["h2"].dtype == np.float16 and out["b"].dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(out["h2"], fresh_h * np.float16(2))
    np.testing.assert_array_equal(out["b"], (fresh_h * np.float16(2)).astype(ml_dtypes.bfloat16))
    assert out["u64"].dtype == np.uint64 and out["u64"].tolist() == fresh_u.astype(np.uint64).tolist()
    assert out["u_same"].dtype == np.uint32 and out["u_same"].tolist() == fresh_u.tolist()


def test_string_tensors_in_and_out(tmp_path: Path) -> None:
    vocab = numpy_helper.from_array(np.array(["zéro", "one", "日本"], dtype=object), "vocab")
    column = numpy_helper.from_array(np.array([-1, 1], dtype=np.int64), "column")
    m = model(
        [
            helper.make_node("Gather", ["vocab", "ids"], ["words"], axis=0),
            helper.make_node("Reshape", ["text", "column"], ["text_column"]),
        ],
        [vi("ids", T.INT64, ["N"]), vi("text", T.STRING, ["N"])],
        [vi("words", T.STRING, ["N"]), vi("text_column", T.STRING, ["N", 1])],
        [vocab, column],
    )
    sample = {"ids": np.array([0, 1, 2, 1]), "text": np.array(["a", "bé", "ç", "日"])}
    bundle = exported(m, sample, tmp_path)
    assert [(o.dtype, o.shape) for o in bundle.manifest.outputs] == [("string", (-1,)), ("string", (-1, 1))]
    with jinfer.load(bundle.path) as jm:
        out = jm.predict({"ids": np.array([2, 0]), "text": np.array(["Ünï", ""])})
    assert out["words"].tolist() == ["日本", "zéro"] and out["text_column"].tolist() == [["Ünï"], [""]]


def test_names_a_manifest_cannot_hold_are_made_safe_and_mapped(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Relu", ["model/input:0"], ["dense/Relu:0"])],
        [vi("model/input:0", T.FLOAT, ["N", 2])],
        [vi("dense/Relu:0", T.FLOAT, ["N", 2])],
    )
    x = RNG.normal(size=(6, 2)).astype(np.float32)
    bundle = exported(m, {"model/input:0": x}, tmp_path, task="transform")
    (artifact,) = bundle.manifest.artifacts
    assert [s.name for s in bundle.manifest.inputs] == ["model_input:0"]
    assert artifact.details["input_names"] == {"model_input:0": "model/input:0"}
    assert artifact.details["output_names"] == {"dense_Relu:0": "dense/Relu:0"}
    with jinfer.load(bundle.path) as jm:
        np.testing.assert_array_equal(jm.predict(x)["dense_Relu:0"], np.maximum(x, 0))


def test_a_single_input_given_as_a_dict(tmp_path: Path) -> None:
    w = numpy_helper.from_array(RNG.normal(size=(3, 1)).astype(np.float32), "w")
    m = model(
        [helper.make_node("MatMul", ["table", "w"], ["y"])],
        [vi("table", T.FLOAT, ["N", 3])],
        [vi("y", T.FLOAT, ["N", 1])],
        [w],
    )
    x = RNG.normal(size=(15, 3)).astype(np.float32)
    regressor = jinfer.export(m, {"table": x}, tmp_path / "r.jinfer")
    assert regressor.manifest.task == "regression" and [o.name for o in regressor.manifest.outputs] == ["prediction"]
    transform = exported(m, {"table": x}, tmp_path, task="transform")
    assert [s.name for s in transform.manifest.inputs] == ["table"] and transform.manifest.output("y").shape == (-1, 1)
    want = ort_run(m, {"table": x})[0]
    with jinfer.load(regressor.path) as r, jinfer.load(transform.path) as t:
        np.testing.assert_allclose(r.predict(x)["prediction"], want[:, 0], rtol=1e-6)
        np.testing.assert_allclose(t.predict({"table": x})["y"], want, rtol=1e-6)
    with pytest.raises(jinfer.InputError, match="'table'"):
        jinfer.export(m, {"tabel": x}, tmp_path / "bad.jinfer")


def test_graphs_jinfer_cannot_hold_are_refused_naming_why(tmp_path: Path) -> None:
    seq = model(
        [helper.make_node("SequenceConstruct", ["x"], ["s"])],
        [vi("x", T.FLOAT, ["N"])],
        [helper.make_tensor_sequence_value_info("s", T.FLOAT, None)],
    )
    with pytest.raises(jinfer.UnsupportedModelError, match="'s' is a sequence_type, not a tensor"):
        jinfer.export(seq, {"x": np.zeros(3, np.float32)}, tmp_path / "s.jinfer")
    assert not (tmp_path / "s.jinfer").exists()


def test_rank_eight_and_rank_zero_inputs_and_outputs(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Mul", ["v", "k"], ["scaled"]), helper.make_node("Add", ["k", "k"], ["twice"])],
        [vi("v", T.FLOAT, ["N", 2, 1, 2, 1, 2, 1, 2]), vi("k", T.FLOAT, [])],
        [vi("scaled", T.FLOAT, ["N", 2, 1, 2, 1, 2, 1, 2]), vi("twice", T.FLOAT, [])],
    )
    v = RNG.normal(size=(3, 2, 1, 2, 1, 2, 1, 2)).astype(np.float32)
    bundle = exported(m, {"v": v, "k": np.float32(1.5)}, tmp_path)
    specs = {s.name: s for s in (*bundle.manifest.inputs, *bundle.manifest.outputs)}
    assert specs["v"].shape == (-1, 2, 1, 2, 1, 2, 1, 2) and specs["k"].shape == () and not specs["k"].batched
    assert specs["scaled"].batch_dim == 0 and specs["twice"].shape == ()
    fresh = RNG.normal(size=(5, 2, 1, 2, 1, 2, 1, 2)).astype(np.float32)
    with jinfer.load(bundle.path) as jm:
        out = jm.predict({"v": fresh, "k": np.float32(-2.0)})
    np.testing.assert_array_equal(out["scaled"], fresh * np.float32(-2.0))
    assert out["twice"].shape == () and float(out["twice"]) == -4.0


def test_both_clis_predict_a_transform_by_name(tmp_path: Path) -> None:
    import subprocess
    import sys

    m = model(
        [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("Size", ["s"], ["n"])],
        [vi("a", T.FLOAT, ["N", 2]), vi("b", T.FLOAT, ["N", 2])],
        [vi("s", T.FLOAT, ["N", 2]), vi("n", T.INT64, [])],
    )
    a, b = (RNG.normal(size=(6, 2)).astype(np.float32) for _ in range(2))
    exported(m, {"a": a, "b": b}, tmp_path)
    np.savez(tmp_path / "in.npz", a=a[:3], b=b[:3])
    java = Path(__file__).resolve().parents[2] / "build" / "install" / "jinfer" / "bin" / "jinfer"
    for cli in ([sys.executable, "-m", "jinfer"], [str(java)]):
        r = subprocess.run(
            [*cli, "predict", "g.jinfer", "--input", "in.npz", "--output", "out.npz"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        with np.load(tmp_path / "out.npz") as out:
            np.testing.assert_allclose(out["s"], a[:3] + b[:3], rtol=1e-6)
            assert out["n"].shape == () and int(out["n"]) == 6
        csv = subprocess.run(
            [*cli, "predict", "g.jinfer", "--input", "in.npz"], cwd=tmp_path, capture_output=True, text=True
        )
        assert csv.returncode == 2 and len(csv.stderr.strip().splitlines()) == 1, (cli, csv.stderr)
        assert ".npz" in csv.stderr and "Traceback" not in csv.stderr and "Exception" not in csv.stderr
