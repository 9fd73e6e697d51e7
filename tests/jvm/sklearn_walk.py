"""The walk over all of scikit-learn that docs/models.md reports (scripts/support_matrix.py runs it).

Every classifier, regressor, clusterer, outlier detector and transformer that
``sklearn.utils.all_estimators`` lists is made with its default parameters and fitted on a numeric
table (iris for classifiers, clusterers and outlier detectors; diabetes, whose target is positive,
for regressors; a transformer stands before ``LogisticRegression`` in a ``Pipeline`` on iris). For
each one that fits, :func:`measure` records:

- ``jinfer``: the backends ``jinfer.export`` kept (default formats, python as the last resort), each
  checked through Java on fresh rows (labels exact, floats within 1e-5 of their scale), and why the
  others were dropped;
- ``skl2onnx``: skl2onnx alone (``to_onnx`` with its defaults) run by onnxruntime's Python package;
- ``sklearn2pmml``: sklearn2pmml alone run by JPMML-Evaluator (through JPype, without jinfer's
  backend): each ``yes`` when the converter gives what a bundle must give on the fitting rows, with
  the bundle's parity: the estimator's own labels, and its probabilities where it has them (or its
  predictions), within 1e-5 of their scale; else ``no`` and why.

Measure the converters alone before any jinfer export in the process: jinfer's fix for skl2onnx's
HistGradientBoosting converter stays installed once made.
"""

from __future__ import annotations

import functools
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from jvm_options import JVM_ARGS
from parity_record import REL, check, dropped, scale_error
from sklearn.datasets import load_diabetes, load_iris

import jinfer

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_DIAB, Y_DIAB = load_diabetes(return_X_y=True)
KINDS = ("classifier", "regressor", "clusterer", "outlier_detector", "transformer")
JINFER = ("onnx", "pmml", "python")


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str  # the estimator's class name
    cls: type

    @property
    def label(self) -> str:
        """The row's name in docs/models.md."""
        return f"{self.name} → LogisticRegression" if self.kind == "transformer" else self.name


def entries() -> list[Entry]:
    """Every estimator of the five kinds, by scikit-learn's own lists (a class in several lists
    appears once per kind; outlier detectors are those its tags call so)."""
    from sklearn.base import is_outlier_detector
    from sklearn.utils import all_estimators

    out = []
    for kind, filt in (("classifier", "classifier"), ("regressor", "regressor"), ("clusterer", "cluster")):
        out += [Entry(kind, name, cls) for name, cls in all_estimators(type_filter=filt)]
    for name, cls in all_estimators():
        try:
            outlier = is_outlier_detector(cls())
        except Exception:  # noqa: BLE001 - an estimator that needs parameters is not walked anyway
            outlier = False
        if outlier:
            out.append(Entry("outlier_detector", name, cls))
    out += [Entry("transformer", name, cls) for name, cls in all_estimators(type_filter="transformer")]
    return out


def data(entry: Entry) -> tuple[np.ndarray, np.ndarray | None]:
    if entry.kind == "regressor":
        return X_DIAB, Y_DIAB
    if entry.kind in ("classifier", "transformer"):
        return X_IRIS, Y_IRIS
    return X_IRIS, None


def fitted(entry: Entry) -> Any:
    """The estimator with default parameters, fitted; an exception when it does not fit so."""
    X, y = data(entry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if entry.kind == "transformer":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline

            model = Pipeline([("step", entry.cls()), ("clf", LogisticRegression(max_iter=1000))])
        else:
            model = entry.cls()
        return model.fit(X, y) if y is not None else model.fit(X)


def first_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}"[:200]


def fresh(X: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(11)
    return (X + rng.normal(0.0, 0.05 * X.std(axis=0), X.shape)).astype(np.float32)


def own_outputs(model: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    """The model's own outputs under the bundle's names (what a bundle of it must give)."""
    from jinfer._families.sklearn import expected_of, task_of

    expected, _, _ = expected_of(model, X, task_of(model), "float32")
    return expected


def _main(model: Any, X: np.ndarray) -> tuple[str, np.ndarray]:
    """The output a converter alone is judged on: the label, or the prediction."""
    from jinfer._estimators import call
    from jinfer._families.sklearn import task_of

    task = task_of(model)
    return ("label" if task == "classification" else "prediction"), np.asarray(call(model.predict, X))


def _agrees(kind: str, got: Any, want: np.ndarray) -> str:
    got = np.asarray(got).reshape(want.shape) if np.size(got) == want.size else np.asarray(got)
    if got.shape != want.shape:
        return f"no: output of shape {list(got.shape)}, expected {list(want.shape)}"
    if kind == "label":
        bad = int(np.sum(got.astype(str) != want.astype(str)))
        return "yes" if bad == 0 else f"no: {bad} of {len(want)} labels differ"
    err = scale_error(got, want)
    return "yes" if err <= REL else f"no: error {err:.1e} of the output's scale"


def skl2onnx_alone(model: Any, X: np.ndarray) -> str:
    """skl2onnx's to_onnx with its defaults, run by onnxruntime's Python package."""
    import onnxruntime as ort
    import skl2onnx

    from jinfer._convert.onnx import TARGET_OPSET

    X32 = X.astype(np.float32)
    kind, want = _main(model, X32)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            onx = skl2onnx.to_onnx(model, X32[:1], target_opset=TARGET_OPSET)
            session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
            got = session.run(None, {session.get_inputs()[0].name: X32})
    except Exception as e:  # noqa: BLE001 - any failure is the converter's result
        return "no: " + first_line(e)
    verdict = _agrees(kind, got[0], want)
    if verdict != "yes" or not _has_probabilities(model):
        return verdict
    if len(got) < 2:
        return "no: it gives labels but no probabilities"
    probs = got[1]  # a ZipMap's list of {class: probability}, by default
    if isinstance(probs, list):
        probs = np.array([[row[c] for c in model.classes_] for row in probs])
    return _probabilities_agree(model, X32, probs)


def _has_probabilities(model: Any) -> bool:
    """Whether a bundle of the model gives probabilities, which a converter alone must then match."""
    from jinfer._families.sklearn import task_of

    return task_of(model) == "classification" and hasattr(model, "predict_proba")


def _probabilities_agree(model: Any, X: np.ndarray, got: Any) -> str:
    from jinfer._estimators import call

    want = np.asarray(call(model.predict_proba, X), dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        return f"no: probabilities of shape {list(got.shape)}, expected {list(want.shape)}"
    if not np.isfinite(got).all():
        return f"no: it gives NaN probabilities on {int((~np.isfinite(got)).any(axis=1).sum())} of {len(got)} rows"
    err = scale_error(got, want)
    return "yes" if err <= REL else f"no: probabilities off by {err:.1e} of their scale"


def sklearn2pmml_alone(model: Any, X: np.ndarray, rows: int = 40) -> str:
    """sklearn2pmml with its defaults, run by JPMML-Evaluator itself (through JPype)."""
    import jpype

    from jinfer._convert.capture import captured
    from jinfer._convert.pmml import java_home

    try:
        from sklearn2pmml import make_pmml_pipeline, sklearn2pmml
    except ImportError as e:
        return "no: " + first_line(e)
    columns = [f"x{i + 1}" for i in range(X.shape[1])]
    kind, want = _main(model, X[:rows])
    try:
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline = make_pmml_pipeline(model, active_fields=columns, target_fields=["target"])
            out = Path(tmp) / "m.pmml"
            with captured(Path(tmp) / "log"):  # the converter's chatter stays out of the run
                sklearn2pmml(pipeline, str(out), java_home=java_home())
            data = out.read_bytes()
        builder = jpype.JClass("org.jpmml.evaluator.LoadingModelEvaluatorBuilder")()
        evaluator = builder.load(jpype.JClass("java.io.ByteArrayInputStream")(data)).build()
        evaluator.verify()
        decode = jpype.JClass("org.jpmml.evaluator.EvaluatorUtil").decode
        target = evaluator.getTargetFields().get(0).getName()
        fields = list(evaluator.getInputFields())
        # the probability of each class, where the PMML has an output field for it
        named = {str(f.getName()): f for f in evaluator.getOutputFields()}
        prob_fields = [f"probability({c})" for c in getattr(model, "classes_", ())]
        got, probs = [], []
        for row in X[:rows]:
            args = jpype.JClass("java.util.HashMap")()
            for f in fields:
                args.put(f.getName(), f.prepare(jpype.JDouble(float(row[columns.index(str(f.getName()))]))))
            result = evaluator.evaluate(args)
            value = decode(result.get(target))
            got.append(str(value) if kind == "label" else float(value))
            if all(n in named for n in prob_fields):
                probs.append([float(decode(result.get(n))) for n in prob_fields])
    except Exception as e:  # noqa: BLE001 - any failure is the converter's result
        return "no: " + first_line(e)
    if kind != "label":
        return _agrees(kind, np.array(got), want)
    verdict = _agrees(kind, np.array([_as_label(g) for g in got]), want)
    if verdict != "yes" or not _has_probabilities(model):
        return verdict
    if not probs:
        return "no: it gives labels but no probabilities"
    return _probabilities_agree(model, X[:rows], probs)


def _as_label(text: str) -> str:
    """JPMML's label as scikit-learn prints it (1.0 and 1 are the class 1)."""
    return str(int(float(text))) if re.fullmatch(r"-?\d+(\.0+)?", text) else text


def through_jinfer(model: Any, X: np.ndarray, tmp: Path) -> dict[str, Any]:
    """What jinfer.export keeps, each artifact checked through Java on fresh rows."""
    X_new = fresh(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            bundle = jinfer.export(model, X, tmp / "walk.jinfer")
        except Exception as e:  # noqa: BLE001 - recorded, and the test says which must not fail
            return {"backends": [], "dropped": dropped(caught), "error": first_line(e)}
    result: dict[str, Any] = {
        "backends": [a.backend for a in bundle.manifest.artifacts],
        "dropped": dropped(caught),
        "outputs": [o.name for o in bundle.manifest.outputs],
    }
    try:
        truth = own_outputs(model, X_new.astype(np.float64))
    except ValueError as e:  # an encoder refuses values it was not fitted on: check on those it was
        result["fresh_rows"] = "the fitting rows (it refuses others: " + first_line(e)[:80] + ")"
        X_new = X.astype(bundle.manifest.inputs[0].dtype)
        truth = own_outputs(model, X_new)
    try:
        figures = check(bundle, X_new, truth, trust_python=True)
    except AssertionError as e:  # an artifact that passed parity at export but not on fresh rows
        result["error"] = "on fresh rows: " + first_line(e)
    else:
        result["figures"] = {b: f["fresh"] for b, f in figures.items()}
    return result


def _not_walked(entry: Entry, model: Any = None) -> str | None:
    """Why an estimator is not walked: no predict (or transform) to run on new rows; else None."""
    needs = "transform" if entry.kind == "transformer" else "predict"
    lacks = (
        "no predict: it labels only the rows it was fitted on (fit_predict)"
        if needs == "predict"
        else "no transform: it maps only the rows it was fitted on (fit_transform)"
    )
    if model is None:
        return None if hasattr(entry.cls, needs) else lacks
    step = model.steps[0][1] if entry.kind == "transformer" else model
    return None if hasattr(step, needs) else lacks + " with its default parameters"  # LocalOutlierFactor


def alone(converter: str, entry: Entry) -> dict[str, Any]:
    """Fit the estimator and run one converter alone on it (in a worker process: see measure)."""
    try:
        model = fitted(entry)
    except Exception as e:  # noqa: BLE001 - does not fit with defaults on this table: not walked
        return {"not_walked": first_line(e)}
    lacks = _not_walked(entry, model)
    if lacks:
        return {"not_walked": lacks}
    X, _ = data(entry)
    try:
        if converter == "skl2onnx":
            return {converter: skl2onnx_alone(model, X)}
        from jinfer._runtime.jvm import start

        start(jvm_args=JVM_ARGS)  # JPMML-Evaluator runs sklearn2pmml's PMML
        return {converter: sklearn2pmml_alone(model, X)}
    except Exception as e:  # noqa: BLE001 - the estimator itself failed on the rows: recorded
        return {converter: "no: " + first_line(e)}


def with_jinfer(entry: Entry) -> dict[str, Any]:
    """Fit the estimator and export it through jinfer (in a worker process: see measure)."""
    from jinfer._runtime.jvm import start

    start(jvm_args=JVM_ARGS)
    model = fitted(entry)
    X, _ = data(entry)
    with tempfile.TemporaryDirectory(prefix="jinfer-walk-") as tmp:
        try:
            return through_jinfer(model, X, Path(tmp))
        except Exception as e:  # noqa: BLE001 - recorded; the walk's test says none may fail
            return {"backends": [], "dropped": {}, "error": first_line(e)}


class Worker:
    """One process at a time for the walk's measurements, so that a converter or runtime that kills
    its process (a native crash: ONNX Runtime's SIGFPE on skl2onnx's KNNImputer graph, a BLAS call
    beside the JVM) is recorded against its estimator, and the next one gets a fresh process."""

    def __init__(self) -> None:
        self._pool: Any = None

    def __call__(self, fn: Callable[[Entry], dict[str, Any]], entry: Entry) -> dict[str, Any] | None:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool
        from multiprocessing import get_context

        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        try:
            result: dict[str, Any] = self._pool.submit(fn, entry).result()
            return result
        except BrokenProcessPool:
            self._pool = None
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


CRASHED = "no: the process running it died (a native crash)"


def measure(entries_: list[Entry], *, progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """The walk: each entry fitted and its converters measured alone, every one of them before any
    jinfer export (in processes that never export); then each exported through jinfer."""
    rows: list[dict[str, Any]] = []
    work = Worker()
    try:
        for entry in entries_:
            row: dict[str, Any] = {"kind": entry.kind, "name": entry.name, "label": entry.label}
            lacks = _not_walked(entry)  # known before fitting (the fits of some of these crash)
            if lacks:
                row["not_walked"] = lacks
            for converter in () if lacks else ("skl2onnx", "sklearn2pmml"):
                got = work(functools.partial(alone, converter), entry)
                row.update(got if got is not None else {converter: CRASHED})
                if "not_walked" in row:
                    break
            rows.append(row)
            if progress and "not_walked" not in row:
                progress(f"{entry.kind} {entry.label}: alone onnx {row['skl2onnx'][:3]} pmml {row['sklearn2pmml'][:3]}")
    finally:
        work.close()
    work = Worker()
    try:
        for entry, row in zip(entries_, rows):
            if "not_walked" in row:
                continue
            got = work(with_jinfer, entry)
            row["jinfer"] = got if got is not None else {"backends": [], "dropped": {}, "error": CRASHED[4:]}
            if progress:
                progress(f"{row['kind']} {row['label']}: jinfer {row['jinfer']['backends']}")
    finally:
        work.close()
    return rows


def outcome(row: dict[str, Any]) -> dict[str, str]:
    """The cells of a row of docs/models.md's table: each jinfer backend yes/no, each converter alone."""
    j = row["jinfer"]
    cells = {}
    for b in JINFER:
        if b in j["backends"]:
            cells[b] = "yes"
        elif b in j["dropped"]:
            cells[b] = "no"
        else:
            cells[b] = "–"
    cells["skl2onnx"] = row["skl2onnx"].split(":")[0]
    cells["sklearn2pmml"] = row["sklearn2pmml"].split(":")[0]
    return cells
