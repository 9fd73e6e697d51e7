"""``jinfer.Model.predict`` from Python takes one of two paths into Java. A small numeric batch
(up to 32 KiB of inputs and of outputs) is copied into a staging buffer that each thread keeps
per model, and its outputs are copied out (``FromPython.predictStaged``); anything else is
handed over as buffers (``FromPython.predict``). Both must give the model's own answers, in any
input layout, and a staged answer must not change when the buffer is used again."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import jinfer

SPECS_IN = [
    {"name": "a", "dtype": "float32", "shape": [-1, 3]},
    {"name": "b", "dtype": "int64", "shape": [-1]},
    {"name": "c", "dtype": "bool", "shape": [-1]},
]
SPECS_OUT = [{"name": "total", "dtype": "float64", "shape": [-1]}, {"name": "pair", "dtype": "int32", "shape": [-1, 2]}]


def mixed(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    a, b, c = inputs["a"], inputs["b"], inputs["c"]
    total = a.astype(np.float64).sum(axis=1) + b + c
    return {"total": total, "pair": np.stack([b, -b], axis=1).astype(np.int32)}


def feeds(batch: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(batch, 3)).astype(">f4")  # big-endian: the copy into the buffer swaps it
    b = rng.integers(-1000, 1000, size=2 * batch)[::2]  # every other element: not contiguous
    return {"a": a, "b": b, "c": rng.random(batch) > 0.5}


@pytest.fixture(scope="module")
def model() -> Any:
    jinfer.register("staging-mixed", mixed, inputs=SPECS_IN, outputs=SPECS_OUT)
    with jinfer.load("python:staging-mixed") as m:
        yield m
    jinfer.unregister("staging-mixed")


@pytest.mark.parametrize("batch", [1, 7, 1000, 1600, 5000])
def test_both_paths_give_the_models_answers(model: Any, batch: int) -> None:
    x = feeds(batch, batch)
    out = model.predict(x)
    expected = mixed({k: np.asarray(v, dtype=v.dtype.newbyteorder("=")) for k, v in x.items()})
    assert out["total"].dtype == np.float64 and out["pair"].dtype == np.int32
    np.testing.assert_array_equal(out["total"], expected["total"])
    np.testing.assert_array_equal(out["pair"], expected["pair"])


def test_small_batches_are_staged_and_large_ones_handed_over(model: Any) -> None:
    for batch in (1, 7, 5000):
        model.predict(feeds(batch, 0))
    plans = dict(model._local.views)
    staged = {key[0][1][0] for key, plan in plans.items() if plan}
    handed = {key[0][1][0] for key, plan in plans.items() if plan is False}
    assert {1, 7} <= staged and 5000 in handed, plans.keys()


def test_a_staged_answer_is_the_callers_own(model: Any) -> None:
    first = model.predict(feeds(4, 1))
    kept = {k: v.copy() for k, v in first.items()}
    model.predict(feeds(4, 2))  # the same staging buffer, other numbers
    for name in kept:
        np.testing.assert_array_equal(first[name], kept[name])


def test_a_model_that_calls_itself_does_not_share_the_buffer() -> None:
    """Inside a call, the Python model predicts on the same jinfer Model on the same thread: that
    inner call must not take the staging buffer the outer call's inputs are still viewed in."""
    holder: dict[str, Any] = {}

    def nested(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        x = inputs["x"]
        if holder.get("depth"):
            return {"y": x}
        holder["depth"] = 1
        try:
            inner = holder["model"].predict(x * 2.0)["y"]
        finally:
            holder["depth"] = 0
        return {"y": x + inner}  # x is a view of Java's input: still the outer call's numbers

    spec = {"name": "x", "dtype": "float64", "shape": [-1, 2]}
    jinfer.register("staging-nested", nested, inputs=[spec], outputs=[{**spec, "name": "y"}])
    try:
        with jinfer.load("python:staging-nested") as m:
            holder["model"] = m
            x = np.array([[1.0, 2.0], [3.0, 4.0]])
            np.testing.assert_array_equal(m.predict(x)["y"], 3 * x)
    finally:
        jinfer.unregister("staging-nested")
