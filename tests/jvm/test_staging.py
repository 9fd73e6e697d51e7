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


# ---------------------------------------------------------------- large inputs that need a copy

WIDE = {"name": "x", "dtype": "float64", "shape": [-1, 64]}


def scaled(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"y": inputs["x"] * 3.0}


def echo(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"y": inputs["x"]}  # the input itself: Java gets its own buffer back


@pytest.fixture
def wide() -> Any:
    jinfer.register("staging-wide", scaled, inputs=[WIDE], outputs=[{**WIDE, "name": "y"}])
    jinfer.register("staging-echo", echo, inputs=[WIDE], outputs=[{**WIDE, "name": "y"}])
    with jinfer.load("python:staging-wide") as m, jinfer.load("python:staging-echo") as e:
        yield m, e
    jinfer.unregister("staging-wide")
    jinfer.unregister("staging-echo")


def large(seed: int, layout: str) -> np.ndarray:
    """4,096 x 64 float64 (2 MiB, above the reuse threshold) in a layout Java cannot read in place."""
    x = np.random.default_rng(seed).normal(size=(4096, 64))
    if layout == "fortran":
        return np.asfortranarray(x)
    if layout == "strided":
        return np.repeat(x, 2, axis=0)[::2]
    return x.astype(">f8")  # byte-swapped


@pytest.mark.parametrize("layout", ["fortran", "strided", "swapped"])
def test_a_large_copied_input_goes_into_memory_the_thread_reuses(wide: Any, layout: str) -> None:
    model, _ = wide
    answers = []
    for seed in (1, 2, 3):
        x = large(seed, layout)
        answers.append((model.predict(x)["y"], x))
        space = model._local.copies[0]
        if seed == 1:
            first = space
        assert space is first, "the copy of a same-sized input is made into the same memory"
    for y, x in answers:  # each answer is its own call's, though the copies shared memory
        np.testing.assert_array_equal(y, np.asarray(x, dtype=np.float64) * 3.0)


def test_an_output_of_a_model_that_gives_its_input_back_is_the_callers_own(wide: Any) -> None:
    """The reuse rests on this: no output is a view of the input memory Java was handed."""
    _, model = wide
    x1, x2 = large(1, "fortran"), large(2, "fortran")
    y1 = model.predict(x1)["y"]
    y2 = model.predict(x2)["y"]  # overwrites the reused memory y1 would have viewed
    np.testing.assert_array_equal(y1, x1)
    np.testing.assert_array_equal(y2, x2)
    assert not np.may_share_memory(y1, model._local.copies[0])


def test_a_small_or_contiguous_input_is_not_copied_into_reused_memory(wide: Any) -> None:
    model, _ = wide
    model.predict(np.ones((4096, 64)))  # C order: handed over as it is
    model.predict(np.asfortranarray(np.ones((100, 64))))  # 50 KiB: a fresh copy
    assert "copies" not in model._local.__dict__


STRING_SPECS_IN = [
    {"name": "s", "dtype": "string", "shape": [-1]},
    {"name": "a", "dtype": "float32", "shape": [-1, 2]},
    {"name": "t", "dtype": "string", "shape": [-1]},
]


def with_strings(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    s, a, t = (np.asarray(inputs[k]) for k in ("s", "a", "t"))
    lengths = np.array([len(str(v)) for v in s], dtype=np.int64)
    weights = np.array([10 * len(str(v)) for v in t], dtype=np.int64)
    return {"total": a.astype(np.float64).sum(axis=1) + lengths + weights}


def string_feeds(batch: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    words = np.array(["", "a", "bb", "ccc", "dddd", "é€"], dtype=object)
    return {
        "s": words[rng.integers(0, len(words), batch)],
        "a": rng.normal(size=(batch, 2)).astype(np.float32),
        "t": words[rng.integers(0, len(words), batch)].astype(str),  # '<U' rather than object
    }


def test_string_inputs_cross_beside_the_staged_numbers_in_their_order() -> None:
    """Strings never travel in the staging buffer: a small batch of a model with string inputs
    stages its numbers and hands the string inputs' elements over beside it, in manifest order: as
    a String[] for a few (batches 1 and 5), as one UTF-8 buffer for more (3,000 rows)."""
    jinfer.register("staging-strings", with_strings, inputs=STRING_SPECS_IN, outputs=SPECS_OUT[:1])
    try:
        with jinfer.load("python:staging-strings") as m:
            for batch in (1, 5, 3000):
                x = string_feeds(batch, batch)
                np.testing.assert_array_equal(m.predict(x)["total"], with_strings(x)["total"])
            staged = {key[1][1][0] for key, plan in m._local.views.items() if plan}
            assert {1, 5} <= staged, m._local.views.keys()
    finally:
        jinfer.unregister("staging-strings")


def test_many_staged_strings_cross_as_one_buffer_and_a_few_as_an_array() -> None:
    """JPype makes a String[] an element at a time: for 16 strings or more, the staged path sends
    them as one buffer instead (docs/decisions.md, "PMML from Python, round two")."""
    jinfer.register("staging-strings-wire", with_strings, inputs=STRING_SPECS_IN, outputs=SPECS_OUT[:1])
    try:
        with jinfer.load("python:staging-strings-wire") as m:
            few = ["a", "é€"] * 7  # handed to JPype as a list: it makes the String[] in C
            assert m._staged_strings(few) is few
            many = m._staged_strings(["a", "é€", ""] * 6)
            assert str(many.getClass().getName()).endswith("ByteBuffer"), many.getClass()
    finally:
        jinfer.unregister("staging-strings-wire")


def test_a_string_input_is_checked_on_every_call_of_a_staged_layout() -> None:
    """A single-input model's hot path skips the input checks for a layout staged before: for
    numbers only, so that a None among strings is refused on the second call as on the first."""
    specs = [{"name": "s", "dtype": "string", "shape": [-1]}]
    jinfer.register("staging-one-string", with_strings_only, inputs=specs, outputs=SPECS_OUT[:1])
    try:
        with jinfer.load("python:staging-one-string") as m:
            good = np.array(["a", "bb", "ccc"], dtype=object)
            np.testing.assert_array_equal(m.predict(good)["total"], [1.0, 2.0, 3.0])
            with pytest.raises(jinfer.InputError, match="'s'"):
                m.predict(np.array(["a", None, "ccc"], dtype=object))
    finally:
        jinfer.unregister("staging-one-string")


def test_a_dict_in_a_staged_layout_skips_the_full_path_but_not_the_string_checks(monkeypatch: Any) -> None:
    """A dict holding an array per input, in a layout staged before on this thread, goes straight
    to the staged call (the full path's conversions are not run), but its string inputs are still
    checked on every call: what is not str text goes the full path, which names it."""
    jinfer.register("staging-dict", with_strings, inputs=STRING_SPECS_IN, outputs=SPECS_OUT[:1])
    try:
        with jinfer.load("python:staging-dict") as m:
            first = string_feeds(3, 1)
            m.predict(first)  # stages the layout
            full_path = m._feeds
            with monkeypatch.context() as patched:
                patched.setattr(m, "_feeds", lambda X: pytest.fail("the full path ran"))
                again = string_feeds(3, 2)  # same dtypes and shapes, other values
                np.testing.assert_array_equal(m.predict(again)["total"], with_strings(again)["total"])
            assert m._feeds == full_path
            bad = [
                ("s", [None, "a", "b"], "INVALID_VALUE"),
                ("s", ["a", b"bytes", "b"], "DTYPE_MISMATCH"),
                ("s", ["a", 3.5, "b"], "DTYPE_MISMATCH"),
            ]
            for name, values, code in bad:
                x = dict(first, **{name: np.array(values, dtype=object)})
                with pytest.raises(jinfer.InputError, match=f"'{name}'") as e:
                    m.predict(x)
                assert e.value.code == code, (values, e.value)
            surrogate = dict(first, t=np.array(["a", "\ud800", "b"]))  # '<U', a lone surrogate
            with pytest.raises(jinfer.InputError, match="'t'.*Unicode") as e:
                m.predict(surrogate)
            assert e.value.code == "INVALID_VALUE"
            np.testing.assert_array_equal(m.predict(first)["total"], with_strings(first)["total"])
    finally:
        jinfer.unregister("staging-dict")


def with_strings_only(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"total": np.array([float(len(str(v))) for v in np.asarray(inputs["s"])])}
