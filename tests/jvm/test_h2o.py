"""H2O-3 models exported to their MOJO (and ONNX for GBMs on numbers), run through Java.

Needs ``jinfer[h2o]`` (h2o 3.46.0.11, whose wheel carries the H2O server, 270 MB), which `make
test` does not install: these tests are skipped there, saying so. `make test-h2o` installs it into
build/venv-h2o and runs them. The module starts one H2O cluster on 127.0.0.1 (1 GB of heap, 2
threads) and shuts it down at the end.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from parity_record import export_and_check

import jinfer

h2o_module = pytest.importorskip(
    "h2o",
    reason="H2O is not installed (its wheel carries the 270 MB H2O server, kept out of `make test`); "
    "run `make test-h2o` (installs jinfer[h2o] in build/venv-h2o)",
)
import h2o_models as hm  # noqa: E402  (needs h2o, checked above)

# H2O's own note when a sample has a level the model never saw (the samples have one on purpose)
pytestmark = pytest.mark.filterwarnings("ignore:Test/Validation dataset column:UserWarning")

ROOT = Path(__file__).resolve().parents[2]
TRAIN = hm.table(400, seed=0)
SAMPLE = hm.table(200, seed=1, unseen=True)  # missing values and an unseen level
NEW = hm.table(150, seed=2, unseen=True)  # fresh rows that no export saw
CLASSES = {"y": ("no", "yes"), "k": ("high", "low", "mid"), "r": None}
ALGORITHMS = {
    "gbm": "Gradient Boosting Machine",
    "drf": "Distributed Random Forest",
    "glm": "Generalized Linear Modeling",
    "xgboost": "XGBoost",
    "deeplearning": "Deep Learning",
    "stackedensemble": "StackedEnsemble",
}


@pytest.fixture(scope="module")
def h2o() -> Iterator[Any]:
    with hm.local_cluster() as cluster:
        yield cluster


def round_trip(h2o: Any, tmp_path: Path, algo: str, target: str, columns: tuple[str, ...], **export: Any) -> Any:
    """Train, export with the sample, and check every artifact through Java on fresh rows against
    ``h2o_model.predict`` (recorded for the support matrix as the H2O family's case)."""
    if algo == "xgboost" and not h2o_module.estimators.H2OXGBoostEstimator.available():
        pytest.skip("this H2O build has no XGBoost")
    if algo == "stackedensemble":
        model = hm.stacked(h2o, target, TRAIN, hm.table(200, seed=3))
    else:
        model = hm.train(h2o, algo, target, TRAIN, columns)
    dtype = export.get("dtype", "float32")
    feeds = hm.inputs(NEW, columns, dtype)
    X_new = {"features": np.column_stack(list(feeds.values()))} if "color" not in columns else feeds
    truth = hm.truth(h2o, model, feeds, CLASSES[target])
    numeric = "color" not in columns
    case = f"h2o-{algo}-{target}{'-numeric' if numeric else ''}{'-' + dtype if dtype != 'float32' else ''}"
    kind = {"y": "binomial", "k": "multinomial", "r": "regression"}[target]
    name = f"{ALGORITHMS[algo]}, {kind}, {'numbers' if numeric else 'numbers and a string column'}"
    backends = ["mojo", "onnx"] if algo == "gbm" and numeric and dtype == "float32" else ["mojo"]
    sample = export.pop("sample", SAMPLE)
    bundle = export_and_check(
        case,
        "H2O",
        name,
        lambda: jinfer.export(model, sample, tmp_path / f"{case}.jinfer", **export),
        X_new,
        truth,
        backends=backends,
        dropped_reasons={} if backends == ["mojo", "onnx"] else {"onnx": "onnxmltools converts H2O GBMs"},
    )
    mojo = bundle.manifest.artifacts[0]
    assert mojo.details["algorithm"] == ALGORITHMS[algo] or algo == "stackedensemble"
    assert mojo.details["h2o_version"] == "3.46.0.11"
    assert bundle.manifest.classes == CLASSES[target]
    return bundle


MIXED_CASES = [
    ("gbm", "y"),
    ("gbm", "k"),
    ("gbm", "r"),
    ("drf", "y"),
    ("drf", "r"),
    ("glm", "y"),
    ("glm", "k"),
    ("glm", "r"),
    ("xgboost", "y"),
    ("xgboost", "k"),
    ("deeplearning", "y"),
    ("deeplearning", "r"),
    ("stackedensemble", "y"),
    ("stackedensemble", "r"),
]


@pytest.mark.parametrize(("algo", "target"), MIXED_CASES, ids=[f"{a}-{t}" for a, t in MIXED_CASES])
def test_a_model_on_a_mixed_table_scores_in_java_as_in_h2o(h2o: Any, tmp_path: Path, algo: str, target: str) -> None:
    bundle = round_trip(h2o, tmp_path, algo, target, hm.MIXED)
    specs = {s.name: s.dtype for s in bundle.manifest.inputs}
    assert specs == {"a": "float32", "b": "float32", "n": "float32", "z": "float32", "color": "string"}


@pytest.mark.parametrize("target", ["y", "k", "r"])
def test_a_gbm_on_numbers_also_gets_an_onnx_artifact(h2o: Any, tmp_path: Path, target: str) -> None:
    bundle = round_trip(h2o, tmp_path, "gbm", target, hm.NUMERIC)
    (spec,) = bundle.manifest.inputs
    assert (spec.name, spec.shape, spec.columns) == ("features", (-1, 3), hm.NUMERIC)
    assert bundle.manifest.artifacts[1].details["converter"].startswith("onnxmltools")


def test_a_float64_bundle(h2o: Any, tmp_path: Path) -> None:
    bundle = round_trip(h2o, tmp_path, "glm", "r", hm.MIXED, dtype="float64")
    assert bundle.manifest.output("prediction").dtype == "float64"


def test_an_h2o_frame_is_a_sample_too(h2o: Any, tmp_path: Path) -> None:
    frame = hm.frame(h2o, SAMPLE)
    bundle = round_trip(h2o, tmp_path, "gbm", "y", hm.MIXED, sample=frame)
    assert bundle.manifest.artifacts[0].parity["rows"] == len(SAMPLE)


# ---------------------------------------------------------------- missing and unseen values


def test_missing_and_unseen_levels_score_as_h2o_scores_them(h2o: Any, tmp_path: Path) -> None:
    """A missing value (NaN, an empty string) and a level the model never saw are both scored as
    missing, as H2O's own predict does; with mojo.unknown_levels=error the unseen level is a bad row."""
    model = hm.train(h2o, "gbm", "y", TRAIN)
    bundle = jinfer.export(model, SAMPLE, tmp_path / "gbm.jinfer")
    rows = hm.inputs(NEW, hm.MIXED)
    unseen = rows["color"] == hm.UNSEEN
    assert unseen.any() and (rows["color"] == "").any() and np.isnan(rows["a"]).any()
    as_missing = {**rows, "color": np.where(unseen, "", rows["color"])}
    with jinfer.load(bundle.path, allow_non_finite=True) as m:  # H2O takes NaN as missing
        np.testing.assert_array_equal(m.predict(rows)["probabilities"], m.predict(as_missing)["probabilities"])
    with jinfer.load(bundle.path, allow_non_finite=True, options={"mojo.unknown_levels": "error"}) as strict:
        first = int(np.argmax(unseen))
        with pytest.raises(jinfer.InputError, match=rf"row {first}, column 'color': level 'purple' is not one"):
            strict.predict(rows)
        assert strict.predict(as_missing)["label"].shape == (len(NEW),)  # the model keeps working


# ---------------------------------------------------------------- bad input


def test_a_model_without_canonical_outputs_is_refused_naming_its_category(h2o: Any, tmp_path: Path) -> None:
    from h2o.estimators import H2OKMeansEstimator

    km = H2OKMeansEstimator(k=3, seed=1)
    km.train(x=list(hm.NUMERIC), training_frame=hm.frame(h2o, TRAIN))
    with pytest.raises(TypeError, match=r"H2O K-means model \(Clustering\): jinfer exports Binomial"):
        jinfer.export(km, SAMPLE, tmp_path / "km.jinfer")


def test_a_sample_without_the_models_columns_is_refused(h2o: Any, tmp_path: Path) -> None:
    model = hm.train(h2o, "glm", "r", TRAIN)
    with pytest.raises(jinfer.InputError, match=r"the model's columns \['color'\] are missing"):
        jinfer.export(model, SAMPLE.drop(columns=["color"]), tmp_path / "glm.jinfer")


def java(classpath: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    """The Java CLI (io.jinfer.cli.Main) on exactly this classpath."""
    cp = os.pathsep.join(str(p) for p in classpath)
    return subprocess.run(["java", "-cp", cp, "io.jinfer.cli.Main", *args], capture_output=True, text=True, timeout=120)


def jars(*leave_out: str) -> list[Path]:
    """jinfer's jars (python/jinfer/jars), with the CLI's own jar and picocli from the distribution
    (`make jars` installs it; the library's jars carry no CLI), but those whose names start with one
    of ``leave_out``."""
    lib = ROOT / "build" / "install" / "jinfer" / "lib"
    cli = [*lib.glob("jinfer-cli-*.jar"), *lib.glob("picocli-*.jar")]
    found = [*sorted((ROOT / "python" / "jinfer" / "jars").glob("*.jar")), *cli]
    return [p for p in found if not p.name.startswith(leave_out)]


def test_a_java_service_without_genmodel_is_told_the_maven_artifact(h2o: Any, tmp_path: Path) -> None:
    mojo_only = jinfer.export(hm.train(h2o, "glm", "y", TRAIN), SAMPLE, tmp_path / "glm.jinfer")
    r = java(jars("h2o-genmodel"), "verify", str(mojo_only.path))
    assert r.returncode == 2, r.stdout + r.stderr  # no artifact could run here, and it says why
    assert (
        "mojo: SKIPPED (h2o-genmodel is not on the classpath; add the Maven artifact ai.h2o:h2o-genmodel:3.46.0.11"
        in r.stdout
    )
    assert "Exception" not in r.stdout + r.stderr  # no stack trace
    # a bundle that also has ONNX falls back to it
    both = jinfer.export(hm.train(h2o, "gbm", "y", TRAIN, hm.NUMERIC), SAMPLE, tmp_path / "gbm.jinfer")
    r = java(jars("h2o-genmodel"), "verify", str(both.path))
    assert r.returncode == 0 and "onnx" in r.stdout, r.stdout + r.stderr


def test_an_xgboost_mojo_without_the_extension_names_the_algorithm_and_the_jar(h2o: Any, tmp_path: Path) -> None:
    if not h2o_module.estimators.H2OXGBoostEstimator.available():
        pytest.skip("this H2O build has no XGBoost")
    bundle = jinfer.export(hm.train(h2o, "xgboost", "y", TRAIN), SAMPLE, tmp_path / "xgb.jinfer")
    r = java(jars("h2o-genmodel-ext-xgboost", "xgboost-predictor"), "verify", str(bundle.path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "model.mojo is an H2O XGBoost MOJO, which the h2o-genmodel on the classpath cannot score" in r.stdout
    assert "ai.h2o:h2o-genmodel-ext-xgboost" in r.stdout
    assert java(jars(), "verify", str(bundle.path)).returncode == 0
