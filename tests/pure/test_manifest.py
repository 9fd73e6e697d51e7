"""Manifest parsing, validation and serialisation (no JVM)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from jinfer._exceptions import BundleError
from jinfer._manifest import Artifact, Manifest, TensorSpec, unsafe_path_reason, utc_now

SHA = "0" * 64


def manifest(**changes: Any) -> Manifest:
    base = Manifest(
        name="iris",
        version="1.0.0",
        task="classification",
        inputs=(TensorSpec("features", "float32", (-1, 4), ("a", "b", "c", "d")),),
        outputs=(TensorSpec("label", "int64", (-1,)), TensorSpec("probabilities", "float32", (-1, 3))),
        artifacts=(Artifact("onnx", "model.onnx", SHA, 10, {"opset": 17}, {"rows": 5, "passed": True}),),
        classes=(0, 1, 2),
        created_at="2026-11-22T03:00:00Z",
        description="Iris – données",
        producer={"jinfer": "0.1.0"},
    )
    return dataclasses.replace(base, **changes)


def as_dict(**changes: Any) -> dict[str, Any]:
    d = manifest().to_dict()
    d.update(changes)
    return d


def refused(d: Any) -> BundleError:
    with pytest.raises(BundleError) as info:
        Manifest.from_json(json.dumps(d) if not isinstance(d, (str, bytes)) else d)
    return info.value


def test_round_trip_through_json_is_lossless() -> None:
    m = manifest()
    assert Manifest.from_json(m.to_json()) == m
    assert Manifest.from_json(m.to_json().decode("utf-8")) == m


def test_to_json_is_utf8_indented_and_in_a_stable_key_order() -> None:
    data = manifest().to_json()
    text = data.decode("utf-8")
    assert "Iris – données" in text  # not \u-escaped
    assert text.startswith('{\n  "format": "jinfer-bundle",\n  "format_version": 1,\n  "name": "iris",')
    assert list(json.loads(text)) == [
        "format",
        "format_version",
        "name",
        "version",
        "created_at",
        "description",
        "producer",
        "task",
        "inputs",
        "outputs",
        "classes",
        "artifacts",
    ]
    assert list(json.loads(text)["artifacts"][0]) == ["backend", "path", "sha256", "bytes", "details", "parity"]
    assert manifest().to_json() == data


def test_defaults_fill_optional_fields() -> None:
    d = as_dict()
    for key in ("description", "producer"):
        del d[key]
    del d["artifacts"][0]["details"], d["artifacts"][0]["parity"], d["inputs"][0]["columns"]
    m = Manifest.from_dict(d)
    assert (m.description, m.producer, m.format_version) == ("", {}, 1)
    assert (m.artifacts[0].details, m.artifacts[0].parity, m.inputs[0].columns) == ({}, None, None)


def test_unknown_fields_are_ignored_at_every_level() -> None:
    d = as_dict(future={"x": 1})
    d["inputs"][0]["layout"] = "row-major"
    d["artifacts"][0]["signature"] = "abc"
    assert Manifest.from_dict(d) == manifest()


def test_lookups_by_name() -> None:
    m = manifest()
    assert m.input("features").shape == (-1, 4)
    assert m.output("probabilities").dtype == "float32"
    with pytest.raises(KeyError, match=r"no input 'x'; its inputs are \['features'\]"):
        m.input("x")
    with pytest.raises(KeyError, match="label"):
        m.output("features")


def test_with_artifacts_replaces_them_and_leaves_the_original() -> None:
    m = manifest()
    pmml = Artifact.of("pmml", "model.pmml", b"<PMML/>")
    m2 = m.with_artifacts([pmml])
    assert m2.artifacts == (pmml,) and m.artifacts[0].backend == "onnx"
    assert m2.name == m.name


def test_manifest_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        manifest().name = "other"  # type: ignore[misc]


def test_artifact_of_computes_size_and_sha256() -> None:
    a = Artifact.of("onnx", "model.onnx", b"abc", details={"opset": 17})
    assert a.bytes == 3
    assert a.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert (a.details, a.parity) == ({"opset": 17}, None)


def test_from_dict_copies_nested_dicts() -> None:
    d = as_dict()
    m = Manifest.from_dict(d)
    d["producer"]["jinfer"] = "changed"
    d["artifacts"][0]["details"]["opset"] = 1
    assert m.producer["jinfer"] == "0.1.0" and m.artifacts[0].details["opset"] == 17


def test_validate_catches_a_manifest_built_in_code() -> None:
    manifest().validate()
    with pytest.raises(BundleError) as info:
        manifest(inputs=(TensorSpec("x", "float128", (-1, 2)),)).validate()
    assert info.value.code == "INVALID_MANIFEST" and "inputs[0].dtype" in str(info.value)
    with pytest.raises(BundleError, match="artifacts"):
        manifest(artifacts=()).validate()


def test_nan_in_parity_cannot_be_written_as_json() -> None:
    m = manifest(artifacts=(Artifact("onnx", "model.onnx", SHA, 1, {}, {"max_abs_error": float("nan")}),))
    with pytest.raises(BundleError, match="NaN") as info:
        m.to_json()
    assert info.value.code == "INVALID_MANIFEST"


def test_nan_token_is_not_json() -> None:
    text = manifest().to_json().decode().replace('"rows": 5', '"rows": NaN')
    e = refused(text)
    assert e.code == "INVALID_MANIFEST" and "not valid JSON" in e.message


def test_bytes_that_are_not_utf8_are_refused() -> None:
    e = refused(b'{"name": "\xff"}')
    assert e.code == "INVALID_MANIFEST" and "UTF-8" in e.message


def test_bundle_error_is_a_value_error() -> None:
    assert isinstance(refused("[]"), ValueError)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"format_version": True}, "format_version"),
        ({"format_version": 0}, "format_version"),
        ({"created_at": "2026-13-01T00:00:00Z"}, "created_at"),
        ({"created_at": "2026-11-22 03:00:00"}, "created_at"),
        ({"name": ""}, "name"),
        ({"version": 3}, "version"),
        ({"description": 5}, "description"),
        ({"producer": "me"}, "producer"),
        ({"classes": [0, "one", 2]}, "classes"),
        ({"classes": [0, 0, 1]}, "classes"),
        ({"classes": [True, False, True]}, "classes"),
        ({"outputs": [{"name": "label", "dtype": "int64", "shape": {}}]}, "outputs[0].shape"),
        ({"inputs": [{"name": "x", "dtype": "float32", "shape": [3], "batch_dim": 1}]}, "inputs[0].batch_dim"),
        ({"inputs": [{"name": "x", "dtype": "float32", "shape": [3], "batch_dim": -2}]}, "inputs[0].batch_dim"),
        ({"inputs": [{"name": "x", "dtype": "float32", "shape": [], "batch_dim": 0}]}, "inputs[0].batch_dim"),
        ({"inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 2], "columns": ["a"]}]}, "inputs[0].columns"),
        ({"inputs": [{"name": "x", "dtype": "float32", "shape": [-1, True]}]}, "inputs[0].shape[1]"),
        ({"inputs": [{"dtype": "float32", "shape": [-1, 2]}]}, "inputs[0].name"),
        ({"inputs": {"features": {}}}, "inputs"),
        ({"artifacts": [{"backend": "onnx", "path": "m.onnx", "sha256": SHA}]}, "artifacts[0].bytes"),
        (
            {"artifacts": [{"backend": "onnx", "path": "m.onnx", "sha256": SHA, "bytes": 1, "details": []}]},
            "artifacts[0].details",
        ),
    ],
)
def test_each_rule_is_enforced_and_names_the_field(change: dict[str, Any], where: str) -> None:
    e = refused(as_dict(**change))
    assert e.code == "INVALID_MANIFEST"
    assert where in e.message


def test_classes_are_optional_outside_classification() -> None:
    d = as_dict(task="regression", outputs=[{"name": "prediction", "dtype": "float64", "shape": [-1, 2]}])
    del d["classes"]
    m = Manifest.from_dict(d)
    assert m.classes is None and m.output("prediction").shape == (-1, 2)


def test_string_classes_and_dynamic_probability_width_are_accepted() -> None:
    d = as_dict(classes=["no", "yes"])
    d["outputs"][1]["shape"] = [-1, -1]
    assert Manifest.from_dict(d).classes == ("no", "yes")


def test_version_check_comes_before_other_fields() -> None:
    e = refused({"format": "jinfer-bundle", "format_version": 7})
    assert e.code == "UNSUPPORTED_VERSION"
    assert e.message == "bundle format_version 7 is newer than this reader (supports 1); upgrade jinfer"


@pytest.mark.parametrize(
    "path", ["/abs/model.onnx", "../x", "a/../../b", "..", "C:/model.onnx", "a\\..\\b", "\\server\\share"]
)
def test_unsafe_paths(path: str) -> None:
    assert unsafe_path_reason(path) is not None
    d = as_dict()
    d["artifacts"][0]["path"] = path
    assert refused(d).code == "UNSAFE_PATH"


@pytest.mark.parametrize("path", ["model.onnx", "parity/inputs.npz", "a..b/model..onnx", "saved_model/x.pb"])
def test_safe_paths(path: str) -> None:
    assert unsafe_path_reason(path) is None


def test_utc_now_is_a_valid_created_at() -> None:
    now = utc_now()
    assert now.endswith("Z") and len(now) == 20
    assert Manifest.from_dict(as_dict(created_at=now)).created_at == now


def test_batch_dim_defaults_to_the_first_and_is_written_only_when_not() -> None:
    side = TensorSpec("shape", "int64", (2,), batch_dim=-1)
    scalar = TensorSpec("len", "int64", ())
    rows = TensorSpec("x", "float32", (-1, 3))
    seq = TensorSpec("seq", "float32", (5, -1, 3), batch_dim=1)
    assert (side.batched, scalar.batched, rows.batched, seq.batched) == (False, False, True, True)
    assert scalar.batch_dim == -1 and rows.batch_dim == 0
    assert "batch_dim" not in rows.to_dict() and "batch_dim" not in scalar.to_dict()
    assert side.to_dict()["batch_dim"] == -1 and seq.to_dict()["batch_dim"] == 1
    for spec in (side, scalar, rows, seq):
        assert TensorSpec.from_dict(spec.to_dict()) == spec
    assert TensorSpec("x", "float32", (-1, 3), batch_dim=0) == rows
