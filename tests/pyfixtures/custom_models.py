"""Importable code for the python-backend tests (tests/jvm/test_python_backend.py).

The tests put this folder on ``sys.path`` and on the ``PYTHONPATH`` of the ``jinfer run-java``
subprocesses, so pickles that refer to it unpickle there too. Nothing here imports jinfer.

- :func:`rank_features`: arbitrary Python that neither ONNX nor PMML can express.
- :class:`Tripwire`: an identity step that writes ``$JINFER_TEST_MARKER`` when it is unpickled,
  so a test can prove that a refused load never unpickled anything.
- :func:`strict_predict`: a ``callable=`` that raises ``ValueError`` on a sentinel input.
- :func:`chatty_predict`: a ``callable=`` that prints where its Python lives, without flushing.
- :func:`jvm_predict`: a ``callable=`` that asks jinfer for a JVM (refused where Jep embeds Python).
- :func:`counted_predict` and :class:`Tracked`: a ``callable=`` that records the batch of every call
  (and fails while ``counted["fail"]`` is set), and a step whose unpickled copies can be watched
  (``tracked``: weak references), for the warm-up at load (tests/jvm/test_warmup.py).
- Live callables for ``jinfer.register``: :func:`affine`, :func:`mixed`, :func:`identity`, ...
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

SENTINEL = -1000.0  # strict_predict refuses a first feature at or below this


def rank_features(X: Any) -> np.ndarray:
    """The row itself, the rank of each value inside its row, and how many values exceed the
    row's median: plain Python and numpy, no converter knows it."""
    X = np.asarray(X, dtype=np.float64)
    ranks = np.argsort(np.argsort(X, axis=1, kind="stable"), axis=1).astype(np.float64)
    above = np.array([[sum(1 for v in row if v > np.median(row))] for row in X], dtype=np.float64)
    return np.hstack([X, ranks, above])


class Tripwire(TransformerMixin, BaseEstimator):
    """An identity step that leaves a trace when unpickled (``$JINFER_TEST_MARKER``, if set)."""

    def fit(self, X: Any, y: Any = None) -> Tripwire:
        # a state that is not empty: pickle calls __setstate__ only then (scikit-learn before 1.3
        # pickles a parameterless estimator of another package as {})
        self.fitted_ = True
        return self

    def transform(self, X: Any) -> Any:
        return X

    def __setstate__(self, state: dict[str, Any]) -> None:
        marker = os.environ.get("JINFER_TEST_MARKER")
        if marker:
            with open(marker, "a", encoding="utf-8") as f:
                f.write(f"Tripwire unpickled in process {os.getpid()}\n")
        super().__setstate__(state)


def custom_pipeline(X: np.ndarray, y: np.ndarray, *, tripwire: bool = False) -> Pipeline:
    """A fitted Pipeline(FunctionTransformer(rank_features), LogisticRegression), optionally
    behind a :class:`Tripwire`."""
    steps: list[tuple[str, Any]] = [("tripwire", Tripwire())] if tripwire else []
    steps += [("features", FunctionTransformer(rank_features)), ("clf", LogisticRegression(max_iter=2000))]
    return Pipeline(steps).fit(X, y)


def strict_predict(model: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``callable=`` for a bundle: the model's outputs, but a ValueError on a sentinel row."""
    X = inputs["features"]
    bad = np.flatnonzero(X[:, 0] <= SENTINEL)
    if bad.size:
        raise ValueError(
            f"strict_predict: row {int(bad[0])} has feature x1={float(X[bad[0], 0])}, "
            f"at or below the sentinel {SENTINEL}"
        )
    return {"label": model.predict(X), "probabilities": model.predict_proba(X)}


def chatty_predict(model: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``callable=`` for a bundle: the model's outputs, after printing (unflushed) on stdout and
    stderr this Python's prefix and numpy's home, so a test sees which installation ran it."""
    print(f"python prefix={sys.prefix} numpy={np.__file__} rows={len(inputs['features'])}")
    print("python stderr line", file=sys.stderr)
    X = inputs["features"]
    return {"label": model.predict(X), "probabilities": model.predict_proba(X)}


def jvm_predict(model: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``callable=`` for a bundle that starts jinfer's JVM from inside the model: where Jep embeds
    this Python in a JVM, jinfer refuses (JPype would start a second JVM in that process)."""
    import jinfer  # only here: the rest of this module never imports jinfer

    with jinfer.jvm():
        X = inputs["features"]
        return {"label": model.predict(X), "probabilities": model.predict_proba(X)}


counted: dict[str, Any] = {"batches": [], "fail": False}
tracked: list[weakref.ref[Any]] = []  # every Tracked unpickled in this process


class Tracked(TransformerMixin, BaseEstimator):
    """An identity step that adds a weak reference to itself to ``tracked`` when unpickled, so a
    test can tell whether the model a load unpickled is still held."""

    def fit(self, X: Any, y: Any = None) -> Tracked:
        self.fitted_ = True  # a state that is not empty, so that pickle calls __setstate__
        return self

    def transform(self, X: Any) -> Any:
        return X

    def __setstate__(self, state: dict[str, Any]) -> None:
        tracked.append(weakref.ref(self))
        super().__setstate__(state)


def tracked_pipeline(X: np.ndarray, y: np.ndarray) -> Pipeline:
    """A fitted Pipeline(Tracked, LogisticRegression)."""
    return Pipeline([("tracked", Tracked()), ("clf", LogisticRegression(max_iter=2000))]).fit(X, y)


def counted_predict(model: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``callable=`` for a bundle: the model's outputs, recording the batch size of each call in
    ``counted["batches"]``; a ValueError while ``counted["fail"]`` is set."""
    X = inputs["features"]
    counted["batches"].append(len(X))
    if counted["fail"]:
        raise ValueError("counted_predict: told to fail")
    return {"label": model.predict(X), "probabilities": model.predict_proba(X)}


# ---------------------------------------------------------------- live callables (jinfer.register)

calls = 0
_calls_lock = threading.Lock()


def affine(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``y = 2 * x + 1`` (float64), counting its calls: the concurrency test checks each answer."""
    global calls
    with _calls_lock:
        calls += 1
    return {"y": inputs["x"] * 2.0 + 1.0}


def mixed(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Two inputs of two dtypes in, three outputs of three dtypes out."""
    a, b = inputs["a"], inputs["b"]
    return {
        "total": a.astype(np.float64).sum(axis=1) + b,
        "count": (a > 0).sum(axis=1).astype(np.int64),
        "tag": np.array([f"row{int(v)}" for v in b]),
    }


facts: dict[str, Any] = {}
_kept: list[np.ndarray] = []


def identity(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Returns its input as is."""
    x = inputs["x"]
    facts["identity_input_writeable"] = bool(x.flags.writeable)
    return {"y": x}


def doubled(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``2 * x`` in a fresh array, whose address it records (Java gets it without a copy)."""
    y = inputs["x"] * 2.0
    facts.setdefault("doubled_output_addresses", []).append(int(y.ctypes.data))
    return {"y": y}


def where(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Records the address of the memory its input views, and returns each row's sum."""
    x = inputs["x"]
    facts.setdefault("where_input_addresses", []).append(int(x.ctypes.data))
    return {"y": x.sum(axis=1)}


def keep(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Keeps the numpy view of its input (which keeps the Java buffer alive); returns ``x[:, 0]``."""
    _kept.append(inputs["x"])
    return {"y": inputs["x"][:, 0].copy()}


def peek(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The first column of the view :func:`keep` kept, read now: if Java changed its buffer
    since, the view shows it (the input was never copied). Ignores its own input."""
    return {"y": _kept[-1][:, 0].copy()}


def odd_layout(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """An int8 output (so the next output needs aligning in Java's small-result buffer) and a
    float64 one returned Fortran-ordered and big-endian (so handing it over needs a copy)."""
    x = inputs["x"]
    scaled = np.stack([x.astype(np.float64).sum(axis=1), x[:, 1] * 2.0], axis=1)
    return {"sign": (x[:, 0] > 0).astype(np.int8), "scaled": np.asfortranarray(scaled.astype(">f8"))}


def ragged(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """An output whose inner dimension follows the input's: its shape has to travel back to Java."""
    return {"y": inputs["x"] * 2.0}


def input_flags(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Whether the input Python sees is writeable, and whether the memory under it (the base of its
    views) is its own, a copy, or another's: Java's buffer, viewed in place."""
    x = inputs["x"]
    root = x
    while isinstance(root.base, np.ndarray):
        root = root.base
    n = len(x)
    return {
        "writeable": np.full(n, x.flags.writeable, dtype=np.int8),
        "owndata": np.full(n, root.flags.owndata, dtype=np.int8),
    }


def one_row_too_many(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    x = inputs["x"]
    return {"y": np.concatenate([x, x[:1]])}
