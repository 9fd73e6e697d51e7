"""``jinfer.export`` and ``jinfer.from_mlflow``: a fitted model and a sample in, one bundle out,
parity proven through Java.

Layer L3 (orchestration): the family (L2) prepares the model and converts it to each format
(L1b's table, :data:`FORMATS`); every artifact is loaded through the Java backend (L1a) and run
on the sample; the bundle (L0) is written with those that passed.
"""

from __future__ import annotations

import os
import platform
import shutil
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._bundle import Bundle, npz_bytes, scratch, write_bundle
from ._convert.formats import FORMATS
from ._dtypes import Array
from ._exceptions import InputError, JinferError, ParityError
from ._families.mlflow import MLflowSource
from ._families.mlmodel import conform, load_example, load_flavor, read_mlmodel, signature_dtype
from ._families.table import family_of
from ._families.wrapped import unwrap
from ._manifest import Artifact, Manifest, utc_now
from ._optional import version_of
from ._parity import DEFAULT_ATOL, DEFAULT_RTOL, compare
from ._runtime.model import load
from ._version import __version__

__all__ = ["FORMATS", "ExportWarning", "export", "from_mlflow"]


class ExportWarning(UserWarning):
    """An artifact was dropped from a bundle (conversion failed or parity missed); says why."""


def export(
    model: Any,
    X_sample: Any,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    version: str = "0.0.0",
    description: str = "",
    formats: Sequence[str] | None = None,
    callable: str | None = None,
    dtype: str | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    max_parity_rows: int = 1000,
    as_directory: bool = False,
    task: str | None = None,
    classes: Sequence[Any] | None = None,
) -> Bundle:
    """Export a fitted model to a bundle at ``path`` and return it, opened.

    ``model`` is a scikit-learn estimator or Pipeline (XGBoost's and LightGBM's scikit-learn
    wrappers included), an XGBoost or LightGBM ``Booster``, a PyTorch ``nn.Module`` (``X_sample``
    is then its example input) or an ``onnx.ModelProto``; ``jinfer.from_mlflow`` exports MLflow
    model directories. A dict holding one of these under ``"model"`` (a versioned pickle) is
    exported as that model, and the rest of it (its ``"metadata"``) goes into the manifest's
    ``producer.metadata`` (and its ``description``, unless ``description`` is given). Anything
    else, or an estimator that was never fitted, raises :class:`UnsupportedModelError`.
    docs/models.md lists what each family exports to, with measured parity.

    ``X_sample`` is a 2-D array, a pandas DataFrame, or a dict of column arrays. A numeric table
    becomes one ``features`` input ``[n, d]`` with its column names; a table that mixes types
    becomes one input per column (string columns as ``string`` tensors), named by the columns.

    Each format in ``formats`` (default ``("onnx", "pmml")``, best first; PMML where
    ``jinfer[pmml]`` is installed) is converted, loaded
    through the Java backend in the JVM, and run on the sample (up to ``max_parity_rows`` rows).
    Its outputs are compared with the model's own; the figures go into the manifest. An artifact
    that fails to convert or misses parity is dropped with an :class:`ExportWarning` that says
    why. If none passes, :class:`ParityError` is raised and nothing is written. The bundle is
    written atomically: a process killed during export leaves no bundle, whole or partial, at
    ``path`` (nor a damaged one in place of an older bundle there), and nothing but
    ``.NAME.PID-HEX.tmp`` entries beside it, which the next export to ``path`` removes
    (docs/reliability.md).

    When neither ONNX nor PMML passes, the model itself is stored with joblib as a ``python``
    artifact, run in CPython when Python hosts the JVM (``jinfer run-java``); ask for it alone
    with ``formats=("python",)``. ``callable`` (``"module:function"``, called as
    ``function(model, inputs) -> dict of outputs``) replaces the default mapping of
    ``predict_proba``/``predict`` to the canonical outputs.

    ``dtype`` is ``"float32"`` or ``"float64"``: the floating input and output type. By default
    it is float32, except for a scikit-learn model given float64 rows that float32 does not serve:
    one that refuses float32 rows (an encoder whose categories are float64 values), or whose only
    float32 artifact is python while float64 gives an ONNX or PMML one (a quantile or binning
    step whose edges float32 rows cross). The bundle then takes float64, with an
    :class:`ExportWarning` saying why.

    ``task`` says what a PyTorch module's (or an ONNX graph's) output is: ``"regression"``
    (default: ``prediction``) or ``"classification"`` (the output is logits; the bundle gives
    ``label`` and softmax ``probabilities``, with ``classes`` naming the columns, default
    ``0..k-1``). ``"transform"`` keeps a graph's (or module's) own outputs, by name; an ONNX graph
    that is recognisably neither a classifier nor a regressor is one by default, and then
    ``X_sample`` is a dict of arrays by input name (or one array for a single input). For other
    models ``task`` must agree with the model, and ``classes`` is refused.
    """
    if dtype not in (None, "float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    model, metadata = unwrap(model)
    family = family_of(model)
    wanted = tuple(formats) if formats is not None else family.formats(model)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats: expected some of {list(FORMATS)}, got {list(wanted)}")

    def made(dtype: str) -> tuple[Manifest, dict[str, bytes]]:
        return _made(
            model,
            X_sample,
            family,
            wanted,
            dtype,
            last_resort=formats is None,
            name=name,
            version=version,
            description=description or _described(metadata),
            metadata=metadata,
            callable=callable,
            rtol=rtol,
            atol=atol,
            max_parity_rows=max_parity_rows,
            task=task,
            classes=classes,
            work=work,
        )

    # everything written on the way (staging bundles, converters' files) lives beside the target
    with scratch(path) as work:
        if dtype is None and family.key == "scikit-learn" and _holds_float64(X_sample):
            manifest, files = _float32_or_float64(made)
        else:
            manifest, files = made(dtype or "float32")
    write_bundle(path, manifest, files, as_directory=as_directory)
    return Bundle.open(path)


def _made(
    model: Any,
    X_sample: Any,
    family: Any,
    wanted: tuple[str, ...],
    dtype: str,
    *,
    last_resort: bool,
    name: str | None,
    version: str,
    description: str,
    metadata: dict[str, Any] | None,
    callable: str | None,
    rtol: float,
    atol: float,
    max_parity_rows: int,
    task: str | None,
    classes: Sequence[Any] | None,
    work: Path,
) -> tuple[Manifest, dict[str, bytes]]:
    """The manifest and files of a bundle of ``model`` in ``dtype``: each format of ``wanted``
    converted and checked through Java (staging bundles in ``work``), those that passed kept;
    ParityError when none did."""
    prep = family.prepare(model, X_sample, dtype, max_parity_rows, task=task, classes=classes)
    sample, task, expected, outputs = prep.sample, prep.task, prep.expected, prep.outputs
    base = Manifest(
        name=name or prep.name,
        version=version,
        task=task,
        inputs=sample.specs,
        outputs=outputs,
        artifacts=(),
        classes=prep.classes,
        created_at=utc_now(),
        description=description,
        producer=_producer(wanted, prep.libraries, prep.source, metadata),
    )
    parity_files = {"parity/inputs.npz": npz_bytes(sample.feeds), "parity/expected.npz": npz_bytes(expected)}
    passed: list[Artifact] = []
    files: dict[str, bytes] = dict(parity_files)
    failures: list[str] = []
    for fmt in wanted:
        if fmt == "python" and last_resort and passed:
            break  # the python artifact is the last resort, only when nothing else passed
        try:
            data, details = family.convert(fmt, prep, dtype, callable)
        except Exception as e:  # noqa: BLE001 - every converter error means "drop this format"
            reason = f"conversion failed: {type(e).__name__}: {_first_line(e)}"
            failures.append(f"{fmt}: {reason}")
            warnings.warn(f"jinfer: no {fmt} artifact: {reason}", ExportWarning, stacklevel=2)
            continue
        filename = FORMATS[fmt].filename
        artifact = Artifact.of(fmt, filename, data, details=details)
        try:
            parity = _java_parity(
                work,
                base.with_artifacts([artifact]),
                {**parity_files, filename: data},
                fmt,
                sample.feeds,
                expected,
                rtol,
                atol,
            )
        except JinferError as e:  # the Java backend refused the artifact: drop it, say why
            reason = f"the Java {fmt} backend refused it: {e.code}: {_first_line(e)}"
            failures.append(f"{fmt}: {reason}")
            warnings.warn(f"jinfer: dropped the {fmt} artifact: {reason}", ExportWarning, stacklevel=2)
            continue
        artifact = Artifact.of(fmt, filename, data, details=details, parity=parity)
        if parity["passed"]:
            passed.append(artifact)
            files[filename] = data
        else:
            failures.append(f"{fmt}: parity failed: {_summary(parity)}")
            warnings.warn(
                f"jinfer: dropped the {fmt} artifact: parity through Java failed: {_summary(parity)}",
                ExportWarning,
                stacklevel=2,
            )
    if not passed:
        raise ParityError(
            f"no artifact of {prep.name} matched the model within rtol={rtol}, atol={atol}: " + "; ".join(failures)
        )
    return base.with_artifacts(passed), files


def _holds_float64(X_sample: Any) -> bool:
    """Whether the sample is float64 values (an array, or a DataFrame with a float64 column)."""
    if getattr(X_sample, "dtype", None) == np.float64:
        return True
    return any(str(t) == "float64" for t in getattr(getattr(X_sample, "dtypes", None), "values", ()))


def _runs_in_plain_jvm(manifest: Manifest) -> bool:
    return any(a.backend in ("onnx", "pmml") for a in manifest.artifacts)


def _float32_or_float64(made: Callable[[str], tuple[Manifest, dict[str, bytes]]]) -> tuple[Manifest, dict[str, bytes]]:
    """The float32 bundle, unless the model fails on float32 rows, or float32 leaves python alone where
    float64 has an ONNX or PMML artifact; the warnings of the attempt kept are the ones the caller sees."""
    first: tuple[Manifest, dict[str, bytes]] | None = None
    failure: Exception | None = None
    refused: JinferError | None = None  # no artifact within the tolerances, or an unsupported model:
    with warnings.catch_warnings(record=True) as said32:  # float64 is no answer to those
        warnings.simplefilter("always")
        try:
            first = made("float32")
        except InputError as e:  # the model refuses float32 rows (DTYPE_MISMATCH): float64 may serve
            if e.code == "DTYPE_MISMATCH":
                failure = e
            else:
                refused = e
        except JinferError as e:
            refused = e
        except Exception as e:  # noqa: BLE001 - the model refuses float32 rows: float64 may serve
            failure = e
    if refused is not None:
        _replay(said32)
        raise refused
    if first is not None and _runs_in_plain_jvm(first[0]):
        _replay(said32)
        return first
    second = None
    with warnings.catch_warnings(record=True) as said64:
        warnings.simplefilter("always")
        try:
            second = made("float64")
        except Exception:  # noqa: BLE001 - then float32's result (or its error) stands
            second = None
    if second is not None and (first is None or _runs_in_plain_jvm(second[0])):
        _replay(said64)
        if first is None:
            why = f"float32 fails: {type(failure).__name__}: {_first_line(failure)}"[:300]  # type: ignore[arg-type]
        else:
            dropped = "; ".join(str(w.message) for w in said32 if issubclass(w.category, ExportWarning))
            why = f"float32 leaves only the python artifact: {dropped}"[:300]
        warnings.warn(
            f"jinfer: the bundle takes float64 inputs (float64 rows were given, and {why})",
            ExportWarning,
            stacklevel=3,
        )
        return second
    _replay(said32)
    if first is None:
        assert failure is not None
        raise failure
    return first


def _replay(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _java_parity(
    work: Path,
    manifest: Manifest,
    files: dict[str, bytes],
    fmt: str,
    feeds: dict[str, Array],
    expected: dict[str, Array],
    rtol: float,
    atol: float,
) -> dict[str, Any]:
    """Load a staging bundle (in ``work``) through the Java backend and compare its outputs with ``expected``."""
    staged = write_bundle(work / f"staged-{fmt}", manifest, files, as_directory=True)
    try:
        # our own pickle, just made; and the sample's NaN, if any: the model answered them
        with load(staged, backend=fmt, trust_python=True, allow_non_finite=_non_finite(feeds), warmup=0) as m:
            actual = {k: np.array(v) for k, v in m.predict(feeds).items()}
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return compare(expected, actual, rtol=rtol, atol=atol)


def _non_finite(feeds: Mapping[str, Array]) -> bool:
    """Whether a floating input holds NaN or an infinity (which ``Model.predict`` refuses by default)."""
    return any(a.dtype.kind == "f" and not np.isfinite(a).all() for a in feeds.values())


def _summary(parity: dict[str, Any]) -> str:
    parts = []
    for name, f in parity["outputs"].items():
        if "error" in f:
            parts.append(f"{name}: {f['error']}")
        else:
            parts.append(f"{name}: {f['mismatches']} mismatches, max abs error {f['max_abs_error']}")
    return ", ".join(parts)


def _described(metadata: dict[str, Any] | None) -> str:
    """A wrapper's own description of its model, if its metadata has one."""
    text = (metadata or {}).get("description")
    return text if isinstance(text, str) else ""


def _producer(
    formats: Sequence[str],
    extra: Mapping[str, str] | None = None,
    source: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    libs = dict(extra or {})
    names = ["scikit-learn", "numpy", "pandas", "JPype1", "joblib"]
    names += [lib for fmt in formats for lib in FORMATS[fmt].libraries]
    libs.update(version_of(*names))
    producer = {
        "jinfer": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": libs,
    }
    if source:
        producer["source"] = source
    if metadata is not None:
        producer["metadata"] = metadata  # what the pickled wrapper said of its model
    return producer


def from_mlflow(
    directory: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    X_sample: Any = None,
    name: str | None = None,
    dtype: str | None = None,
    task: str | None = None,
    classes: Sequence[Any] | None = None,
    **kwargs: Any,
) -> Bundle:
    """Export the MLflow model in ``directory`` to a bundle at ``path`` and return it, opened.

    The parity sample is the model's input example, or ``X_sample``. ``dtype`` defaults to the
    signature's (float64 when an input is ``double``). ``task`` and ``classes`` are for PyTorch
    and ONNX flavors, as in :func:`jinfer.export`; other keywords (``version``, ``formats``,
    ``rtol``…) are export's.
    """
    info = read_mlmodel(directory)
    flavor, model = load_flavor(info)
    sample = X_sample if X_sample is not None else load_example(info)
    if info.inputs is None:
        warnings.warn(
            f"jinfer: {info.file} has no signature; the input specs are inferred from the "
            f"{'given sample' if X_sample is not None else 'input example'}",
            ExportWarning,
            stacklevel=2,
        )
    else:
        sample = conform(info, sample)
    if dtype is None:
        dtype = signature_dtype(info) or "float32"
    source = MLflowSource(model, flavor, info)
    kwargs.setdefault("description", f"MLflow {flavor} model from {info.directory.name}")
    return export(
        source, sample, path, name=name or info.directory.name, dtype=dtype, task=task, classes=classes, **kwargs
    )
