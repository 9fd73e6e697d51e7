"""H2O models for the tests (tests/jvm/test_h2o.py, java/src/test/resources/mojo/make_bundles.py) and
the MOJO benchmark: a local H2O cluster on 127.0.0.1, a mixed-type table with strings and missing
values, the estimators trained on it, and H2O's own predictions on any rows.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

CATEGORICAL = ("color",)  # the table's string column
UNSEEN = "purple"  # a level of color that no training row has
TARGETS = ("y", "k", "r")  # binomial, multinomial, regression
ALGOS = ("gbm", "drf", "glm", "xgboost", "deeplearning")


def free_port() -> int:
    """A port p with p + 1 free too (H2O listens on both), on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return int(port)
    raise RuntimeError("no two adjacent free ports on 127.0.0.1")


@contextlib.contextmanager
def local_cluster(max_mem: str = "1G") -> Iterator[Any]:
    """A fresh H2O cluster of this process on 127.0.0.1 (a free port, ``max_mem`` of heap, 2
    threads), shut down when the block ends."""
    import h2o

    with warnings.catch_warnings():  # h2o's launcher leaves its log files open
        warnings.simplefilter("ignore", ResourceWarning)
        h2o.init(
            ip="127.0.0.1",
            port=free_port(),
            max_mem_size=max_mem,
            min_mem_size=max_mem,
            nthreads=2,
            name=f"jinfer-test-{os.getpid()}",
            verbose=False,
        )
    h2o.no_progress()
    try:
        yield h2o
    finally:
        h2o.cluster().shutdown()


def table(n: int = 400, seed: int = 0, *, unseen: bool = False) -> pd.DataFrame:
    """Numbers (``a`` with missing values, ``b``, ``z``, an integer count ``n``) and a string column
    ``color`` (with missing values; ``unseen`` adds a level no model was trained on), and the
    targets: ``y`` (yes/no), ``k`` (low/mid/high), ``r`` (a number)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = rng.uniform(-1, 1, size=n)
    z = rng.normal(size=n)
    count = rng.integers(0, 5, size=n).astype(np.float64)
    levels = ["red", "green", "blue", UNSEEN] if unseen else ["red", "green", "blue"]
    color = rng.choice(levels, size=n).astype(object)
    color[rng.random(n) < 0.08] = None
    a_missing = a.copy()
    a_missing[rng.random(n) < 0.08] = np.nan
    score = a + 0.8 * (color == "red") - 0.5 * b + 0.1 * count + 0.6 * z + rng.normal(scale=0.3, size=n)
    return pd.DataFrame(
        {
            "a": a_missing,
            "b": b,
            "n": count,
            "z": z,
            "color": color,
            "y": np.where(score > 0.2, "yes", "no"),
            "k": np.select([score < -0.3, score < 0.6], ["low", "mid"], "high"),
            "r": 2 * a + b + (color == "red") + 0.2 * count + rng.normal(scale=0.1, size=n),
        }
    )


def frame(h2o: Any, df: pd.DataFrame) -> Any:
    """An H2OFrame of a table, its string and target columns categorical, a missing value NA.

    Made from lists with None where a value is missing, and the empty text declared missing: H2O's
    upload of a pandas frame writes NaN as the text ``nan``, which a categorical column reads as a
    level of that name, and of None the empty text, which it reads as no level at all."""
    columns = {str(c): [None if v is None or v != v or v == "" else v for v in df[c].tolist()] for c in df.columns}
    types = {c: ("enum" if c in (*CATEGORICAL, "y", "k", "yint") else "real") for c in columns}
    return h2o.H2OFrame(columns, column_types=types, na_strings=[""])


def estimator(algo: str, target: str, **extra: Any) -> Any:
    """A small, seeded H2O estimator."""
    from h2o import estimators as e

    seed = {"seed": 1}
    family = {"y": "binomial", "k": "multinomial", "r": "gaussian"}[target]
    made: dict[str, Any] = {
        "gbm": lambda: e.H2OGradientBoostingEstimator(ntrees=20, max_depth=4, **seed, **extra),
        "drf": lambda: e.H2ORandomForestEstimator(ntrees=20, max_depth=6, **seed, **extra),
        "glm": lambda: e.H2OGeneralizedLinearEstimator(family=family, lambda_=0.001, **seed, **extra),
        "xgboost": lambda: e.H2OXGBoostEstimator(ntrees=20, max_depth=4, backend="cpu", **seed, **extra),
        "deeplearning": lambda: e.H2ODeepLearningEstimator(
            hidden=[8, 8], epochs=10, reproducible=True, **seed, **extra
        ),
    }
    return made[algo]()


MIXED = ("a", "b", "n", "z", "color")  # numbers (one with missing values) and a string column
NUMERIC = ("b", "n", "z")  # numbers, none missing: what onnxmltools' H2O converter takes


def train(h2o: Any, algo: str, target: str, df: pd.DataFrame, columns: tuple[str, ...] = MIXED) -> Any:
    """``algo`` trained on ``df`` to predict ``target`` from ``columns``."""
    m = estimator(algo, target)
    with warnings.catch_warnings():  # "Reached maximum number of iterations" and the like: H2O's notes
        warnings.simplefilter("ignore", UserWarning)
        m.train(x=list(columns), y=target, training_frame=frame(h2o, df))
    return m


def stacked(h2o: Any, target: str, df: pd.DataFrame, blend: pd.DataFrame) -> Any:
    """A StackedEnsemble of a GBM, a GLM and a DRF, blended on ``blend`` (no cross-validation)."""
    from h2o.estimators import H2OStackedEnsembleEstimator

    bases = [train(h2o, algo, target, df) for algo in ("gbm", "glm", "drf")]
    se = H2OStackedEnsembleEstimator(base_models=bases, seed=1)
    se.train(x=list(MIXED), y=target, training_frame=frame(h2o, df), blending_frame=frame(h2o, blend))
    return se


def inputs(df: pd.DataFrame, columns: tuple[str, ...], dtype: str = "float32") -> dict[str, np.ndarray]:
    """The rows as a bundle of one input per column takes them: strings ("" where missing), numbers."""
    out = {}
    for c in columns:
        if c in CATEGORICAL:
            out[c] = np.array(["" if v is None or v != v else str(v) for v in df[c]], dtype=str)
        else:
            out[c] = df[c].to_numpy(dtype=dtype)
    return out


def truth(h2o: Any, model: Any, feeds: Mapping[str, np.ndarray], classes: tuple[Any, ...] | None) -> dict[str, Any]:
    """H2O's own predictions on exactly these values (floats as the bundle holds them), as the
    canonical outputs: ``label`` and ``probabilities``, or ``prediction``."""
    df = pd.DataFrame({c: v.tolist() if v.dtype.kind == "U" else v.astype(np.float64) for c, v in feeds.items()})
    with warnings.catch_warnings():  # an unseen level: H2O scores it as missing, and says so
        warnings.simplefilter("ignore", UserWarning)
        rows = model.predict(frame(h2o, df)).as_data_frame(use_pandas=False)[1:]
    if classes is None:
        return {"prediction": np.array([float(r[0]) for r in rows])}
    k = len(classes)
    labels = [type(classes[0])(r[0]) for r in rows]
    proba = np.array([[float(x) for x in r[1 : 1 + k]] for r in rows])
    assert not any(math.isnan(p) for p in proba.ravel())
    return {"label": np.array(labels), "probabilities": proba}
