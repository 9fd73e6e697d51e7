"""Write docs/models.md, the support matrix (model family × backend, with parity), from real runs.

    .venv/bin/python scripts/support_matrix.py                # run every suite it can, then write the page
    .venv/bin/python scripts/support_matrix.py --suite h2o    # run that suite only, keep the others' records
    .venv/bin/python scripts/support_matrix.py --no-run       # rewrite it from the last runs' records
    .venv/bin/python scripts/support_matrix.py --walk-again                     # the walk alone, the rest kept
    .venv/bin/python scripts/support_matrix.py --walk-again NMF OneHotEncoder   # those estimators again

The suites: tests/jvm/test_families.py, test_mlflow.py, test_label_only.py and
test_onnx_backend_suite.py with this Python; the walk over every estimator of scikit-learn
(tests/jvm/sklearn_walk.py, JINFER_SKLEARN_WALK=all; half an hour or so), whose table
tests/jvm/test_sklearn_walk.py checks in `make test`; and tests/jvm/test_torch.py, test_h2o.py and
test_keras.py with the venvs of `make test-torch`, `make test-h2o` and `make test-tf`
(build/venv-torch, venv-h2o, venv-tf) when they are there. Each suite runs with
JINFER_SUPPORT_DIR set to a directory of its own: every case then records what it measured through
Java (tests/jvm/parity_record.py). A suite that is not run (not asked for, or its venv is missing)
keeps the records of its last run, and the page says when that was, so a missing venv never drops
a family from the page. The page is built from those records only; nobody types a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "build" / "support-matrix"
OUT = ROOT / "docs" / "models.md"
VENVS = ROOT / "build"
WALK = {"JINFER_SKLEARN_WALK": "all"}
# name, test files (and pytest arguments), the Python that runs them (None: this one), the make
# target that makes that Python, extra environment
SUITES: tuple[tuple[str, tuple[str, ...], Path | None, str, dict[str, str]], ...] = (
    (
        "families",
        tuple(
            f"tests/jvm/{f}.py" for f in ("test_families", "test_mlflow", "test_label_only", "test_onnx_backend_suite")
        ),
        None,
        "make setup",
        {},
    ),
    ("walk", ("tests/jvm/test_sklearn_walk.py", "-k", "walk_all"), None, "make setup", WALK),
    ("torch", ("tests/jvm/test_torch.py",), VENVS / "venv-torch" / "bin" / "python", "make test-torch", {}),
    ("h2o", ("tests/jvm/test_h2o.py",), VENVS / "venv-h2o" / "bin" / "python", "make test-h2o", {}),
    ("keras", ("tests/jvm/test_keras.py",), VENVS / "venv-tf" / "bin" / "python", "make test-tf", {}),
)
BACKENDS = ("onnx", "pmml", "mojo", "python")
FAMILIES = ("XGBoost", "LightGBM", "scikit-learn", "PyTorch", "H2O", "TensorFlow/Keras", "ONNX", "MLflow")
LIBRARIES = (
    "scikit-learn",
    "xgboost-cpu",
    "xgboost",
    "lightgbm",
    "onnxmltools",
    "skl2onnx",
    "onnx",
    "onnxruntime",
    "sklearn2pmml",
    "jpmml-evaluator",
    "torch",
    "onnxscript",
    "mlflow-skinny",
    "mlflow",
    "h2o",
    "tensorflow-cpu",
    "keras",
    "tf2onnx",
)


def run_tests(python: Path, files: tuple[str, ...], records: Path, extra: dict[str, str]) -> tuple[int, str]:
    env = {**os.environ, "JINFER_SUPPORT_DIR": str(records), **extra}
    cmd = [str(python), "-m", "pytest", "-p", "no:faulthandler", "-q", "-rs", *files]
    print("$", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    tail = [ln for ln in r.stdout.strip().splitlines() if ln.strip()][-1:] or [f"exit {r.returncode}"]
    print(r.stdout[-3000:] if r.returncode else tail[0], flush=True)
    return r.returncode, tail[0].strip("= ")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-run", action="store_true", help="use the records of the last runs")
    p.add_argument(
        "--suite",
        action="append",
        choices=[name for name, *_ in SUITES],
        help="run only this suite (repeatable); the others keep their last records",
    )
    p.add_argument(
        "--walk-again",
        nargs="*",
        metavar="ESTIMATOR",
        help="walk scikit-learn again, only these estimators if named (class names), keeping the other records",
    )
    args = p.parse_args(argv)
    failed = False
    for name, files, python, target, extra in SUITES:
        where = RECORDS / name
        if args.walk_again is not None:
            if name != "walk":
                continue
            extra = {**extra, "JINFER_SKLEARN_WALK_ONLY": ",".join(args.walk_again)}
        elif args.no_run or (args.suite and name not in args.suite):
            continue
        python = python or Path(sys.executable)
        if not python.is_file():
            print(f"{name}: no {python.relative_to(ROOT)} (run `{target}` first); keeping its last records")
            continue
        if not args.walk_again:  # named estimators are walked again beside the others' records
            shutil.rmtree(where, ignore_errors=True)
        where.mkdir(parents=True, exist_ok=True)
        code, summary = run_tests(python, files, where, extra)
        failed |= code != 0
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (where / "_run.json").write_text(json.dumps({"summary": summary, "when": when}, indent=1))
    records: list[dict[str, Any]] = []
    runs: dict[str, str] = {}
    for name, files, _, target, _ in SUITES:
        run = RECORDS / name / "_run.json"
        label = " ".join(files)
        if run.is_file():
            last = json.loads(run.read_text())
            runs[label] = f"run {last['when']}: {last['summary']}"
        else:
            runs[label] = f"never run here (needs `{target}`)"
        records += [json.loads(f.read_text()) for f in sorted((RECORDS / name).glob("[!_]*.json"))]
    if not records:
        print(f"no records in {RECORDS}: run without --no-run", file=sys.stderr)
        return 1
    suite = _record("families", "_onnx_backend_suite.json")
    walk = _record("walk", "_sklearn_walk.json")
    OUT.write_text(render(records, runs, suite, walk), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} from {len(records)} cases")
    return 1 if failed else 0


def _record(suite: str, name: str) -> Any:
    path = RECORDS / suite / name
    return json.loads(path.read_text()) if path.is_file() else None


def figure(rec: dict[str, Any], backend: str) -> str:
    """One cell: the largest float error relative to the output's scale, over the parity sample
    (the manifest's figures) and the fresh rows, with the label verdict."""
    if backend in rec["backends"]:
        b = rec["backends"][backend]
        errs = [v for k, v in b["fresh"].items() if k != "label"]
        errs += [o["scale_rel_error"] for o in b["parity"]["outputs"].values() if "scale_rel_error" in o]
        labels = ", labels exact" if "label" in b["fresh"] else ""
        rows = b["parity"]["rows"] + b["fresh_rows"]
        if not errs:
            return f"**yes** labels exact ({rows} rows)"
        return f"**yes** {max(errs):.1e}{labels} ({rows} rows)"
    if backend in rec["dropped"]:
        return "no: " + shorten(rec["dropped"][backend])
    return "–"


def shorten(reason: str, limit: int = 240) -> str:
    reason = " ".join(reason.split()).replace("|", "\\|")
    # the staging bundle's temporary path says nothing to a reader
    reason = re.sub(r"NO_USABLE_BACKEND: no artifact of bundle \S+ could be loaded: \w+: ", "", reason)
    reason = re.sub(r"Error code - ORT_FAIL - message: ", "", reason)
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


def render_suite(suite: dict[str, Any] | None) -> list[str]:
    if suite is None:
        return ["## ONNX's backend test models", "", "Not run (tests/jvm/test_onnx_backend_suite.py).", ""]
    kinds = ", ".join(f"`{k}/` {n}" for k, n in suite["by_kind"].items())
    lines = [
        "## ONNX's backend test models",
        "",
        f"The model tests the `onnx` {suite['onnx']} wheel ships under `onnx/backend/test/data/` ({kinds}:",
        f'{suite["cases"]} cases), exported with `task="transform"` and run through Java on every data set of',
        "the case, compared at the suite's own tolerances by onnx's own `Runner.assert_similar_outputs`",
        "(tests/jvm/test_onnx_backend_suite.py).",
        "",
        f"- onnxruntime's Python package passes **{suite['onnxruntime_passes']}** of them here;",
        f"  jinfer's Java path passes **{suite['passed_through_java']}** of those.",
    ]
    if suite["not_tensors"]:
        lines.append(
            f"- {len(suite['not_tensors'])} have sequence or optional inputs or outputs, which a bundle does not hold;"
            " export refuses them (UnsupportedModelError): " + ", ".join(f"`{n}`" for n in suite["not_tensors"])
        )
    fails: dict[str, str] = suite["onnxruntime_fails"]
    lines.append(f"- onnxruntime itself fails the other {len(fails)}, saying:")
    by_reason: dict[str, list[str]] = defaultdict(list)
    for case, why in fails.items():
        by_reason[_reason(why)].append(case)
    for why, cases in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  - {why} ({len(cases)}): " + ", ".join(f"`{c}`" for c in sorted(cases)))
    lines.append("")
    return lines


def _reason(error: str) -> str:
    """onnxruntime's error, with what differs from case to case (node names, paths) taken out."""
    kernel = re.search(r"Could not find an implementation for (\w+)\((\d+)\)", error)
    if kernel:
        return f"no kernel for the {kernel.group(1)}-{kernel.group(2)} of an old opset (NOT_IMPLEMENTED)"
    op = re.search(r"([\w.]+:\w+)\(-?\d+\) is not a registered function/op", error)
    if op:
        return f"`{op.group(1)}` is not a registered op"
    locale = re.search(r"Failed to construct locale with name:([\w.-]+)", error)
    if locale:
        return f"StringNormalizer needs the locale {locale.group(1)}, which this machine lacks"
    return shorten(error, 160)


def render_walk(walk: list[dict[str, Any]] | None) -> list[str]:
    if walk is None:
        return ["## scikit-learn, every estimator", "", "Not run (JINFER_SKLEARN_WALK=all).", ""]
    walked = [r for r in walk if "not_walked" not in r]
    no_predict = [r for r in walk if r.get("not_walked", "").startswith(("no predict", "no transform"))]
    exports = [r for r in walked if r["jinfer"]["backends"]]
    plain = [r for r in walked if {"onnx", "pmml"} & set(r["jinfer"]["backends"])]
    per = {b: sum(1 for r in walked if b in r["jinfer"]["backends"]) for b in ("onnx", "pmml", "python")}
    alone = {c: sum(1 for r in walked if r[c].startswith("yes")) for c in ("skl2onnx", "sklearn2pmml")}
    either = [r for r in walked if r["skl2onnx"].startswith("yes") or r["sklearn2pmml"].startswith("yes")]
    missed = [r["label"] for r in either if not {"onnx", "pmml"} & set(r["jinfer"]["backends"])]
    gained = [r for r in plain if r not in either]
    lines = [
        "## scikit-learn, every estimator",
        "",
        "Every classifier, regressor, clusterer and outlier detector of `sklearn.utils.all_estimators`, made",
        "with its default parameters and fitted on a numeric table (iris; diabetes for regressors), and every",
        "transformer, standing before `LogisticRegression` in a `Pipeline` on iris (tests/jvm/sklearn_walk.py).",
        "For each: the backends `jinfer.export` kept, each checked through Java on fresh rows (labels exact,",
        "floats within 1e-5 of their scale); and skl2onnx alone (`to_onnx` with its defaults, run by",
        "onnxruntime) and sklearn2pmml alone (run by JPMML-Evaluator), each **yes** when it gives what a",
        "bundle must, at the bundle's parity: the estimator's labels, and its probabilities where it has",
        "them (or its predictions), within 1e-5 of their scale.",
        "",
        f"- Listed: {len(walk)}; fit with default parameters on the table and predict: **{len(walked)}**."
        f" Of the others, {len(no_predict)} have no `predict` (clusterers) or `transform` (embeddings): they",
        "  label or map only the rows they were fitted on. The rest need parameters or another kind of",
        "  data; each says why below.",
        f"- Exported: **{len(exports)}** of {len(walked)}; with an ONNX or PMML artifact (a plain JVM runs it):"
        f" **{len(plain)}**. ONNX {per['onnx']}, PMML {per['pmml']}, python only {per['python']}.",
        f"- skl2onnx alone converts {alone['skl2onnx']}, sklearn2pmml alone {alone['sklearn2pmml']}, either"
        f" {len(either)}; jinfer has an ONNX or PMML artifact for "
        + (f"every one of them, and for {len(gained)} more." if not missed else f"all but {missed}."),
        "",
        "<!-- sklearn-walk -->",
        "| estimator | kind | ONNX | PMML | Python | skl2onnx alone | sklearn2pmml alone | why not |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(walk, key=lambda r: (KIND_ORDER.index(r["kind"]), r["label"])):
        if "not_walked" in r:
            skipped = " | ".join(["not walked"] * 5)
            lines.append(f"| `{r['label']}` | {r['kind']} | {skipped} | {shorten(r['not_walked'], 110)} |")
            continue
        j = r["jinfer"]
        cells = []
        for b in ("onnx", "pmml", "python"):
            cells.append("**yes**" if b in j["backends"] else "no" if b in j["dropped"] else "–")
        cells += [c.split(":")[0] for c in (r["skl2onnx"], r["sklearn2pmml"])]
        why = [f"{b}: {shorten(j['dropped'][b], 90)}" for b in ("onnx", "pmml") if b in j["dropped"]]
        why += [f"{c} alone: {shorten(r[c][4:], 70)}" for c in ("skl2onnx", "sklearn2pmml") if r[c].startswith("no")]
        lines.append(f"| `{r['label']}` | {r['kind']} | {' | '.join(cells)} | {'; '.join(why)} |")
    lines += ["<!-- /sklearn-walk -->", ""]
    return lines


KIND_ORDER = ("classifier", "regressor", "clusterer", "outlier_detector", "transformer")


def render(
    records: list[dict[str, Any]],
    runs: dict[str, str],
    suite: dict[str, Any] | None = None,
    walk: list[dict[str, Any]] | None = None,
) -> str:
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        by_family[rec["family"]].append(rec)
    libs: dict[str, str] = {}
    for rec in records:
        for k, v in rec.get("libraries", {}).items():
            libs.setdefault(k, v)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Supported models",
        "",
        "<!-- Written by scripts/support_matrix.py from a run of the test suite. Do not edit: run the script. -->",
        "",
        "What `jinfer.export` (and `jinfer.from_mlflow`) makes of each model family, per backend, as measured by",
        "the test suite **through the Java backends**. A cell reads:",
        "",
        "- **yes** *e*: the artifact is in the bundle. *e* is the largest error of a float output (probabilities,",
        "  prediction) relative to that output's largest magnitude, the exporter's parity rule (tolerance 1e-5),",
        "  over the export's parity sample and fresh rows the export never saw; labels are compared exactly.",
        "- **no**: the exporter tried the format and dropped it; the reason is the exporter's own warning.",
        "- –: not tried. The python artifact is the last resort, made only when no other format passes.",
        "",
        f"Written: {when}, Python {platform.python_version()}, {platform.platform()}. The suites:",
        "",
    ]
    for files, summary in runs.items():
        lines.append(f"- `{files}`: {summary}")
    lines.append("")
    for family in sorted(by_family, key=lambda f: FAMILIES.index(f) if f in FAMILIES else 99):
        lines += [
            f"## {family}",
            "",
            "| model | task | dtype | ONNX | PMML | MOJO | Python |",
            "|---|---|---|---|---|---|---|",
        ]
        for rec in sorted(by_family[family], key=lambda r: r["case"]):
            cells = " | ".join(figure(rec, b) for b in BACKENDS)
            lines.append(f"| {rec['model']} | {rec['task']} | {rec['dtype'] or '–'} | {cells} |")
        lines.append("")
    lines += render_suite(suite)
    lines += render_walk(walk)
    lines += [
        "## Versions",
        "",
        "The libraries the bundles above were made with (from their manifests):",
        "",
        "| library | version |",
        "|---|---|",
    ]
    lines += [f"| {k} | {libs[k]} |" for k in LIBRARIES if k in libs]
    lines += [
        "",
        "## Notes",
        "",
        "- XGBoost and LightGBM go to ONNX with onnxmltools (registered with skl2onnx, so they also convert",
        "  inside a scikit-learn Pipeline) and to PMML with sklearn2pmml, which bundles jpmml-xgboost and",
        "  jpmml-lightgbm. A native `Booster` is converted through the scikit-learn wrapper holding the same",
        "  trees; parity is measured against the Booster's own predictions.",
        "- PyTorch modules go through `torch.onnx.export` (torch.export) with a dynamic batch dimension;",
        '  `task="classification"` adds Softmax and ArgMax to the graph. PyPI\'s only Linux torch is the CUDA',
        "  build (about 6 GB), so its tests run under `make test-torch`, and `make test` reports them skipped.",
        "- MLflow directories: the flavor inside is exported as its family is; the signature gives the input",
        "  specs (a `double` column makes a float64 bundle), the input example is the parity sample.",
        "  A `python_function` model with no convertible flavor becomes a python artifact (the directory,",
        "  loaded by `mlflow.pyfunc` in CPython under `jinfer run-java`).",
        "- H2O-3 models go to their MOJO (`download_mojo`), scored in Java by h2o-genmodel (the mojo backend,",
        "  docs/h2o.md); parity is against `h2o_model.predict` on the sample, which has missing values and a level",
        "  no model saw. ONNX is tried for GBMs on numeric columns (onnxmltools). Tests: `make test-h2o`.",
        "- TensorFlow/Keras models and SavedModels go to ONNX through Keras 3's export (tf2onnx), with a dynamic",
        "  batch; a softmax or sigmoid last layer makes a classifier. Tests: `make test-tf`.",
        "- An `onnx.ModelProto` is exported as given; a ZipMap output is taken off and its classes kept. A",
        '  graph that is neither recognisably a classifier nor a regressor (or any, with `task="transform"`)',
        "  keeps its own inputs and outputs, side inputs and scalars included; uint16/32/64 edges travel as the",
        "  signed integer of their width (ONNX Runtime Java has no unsigned types beyond uint8).",
        "- Classifiers without `predict_proba` give `label` and `scores` (`decision_function`), through ONNX:",
        "  sklearn2pmml's PMML gives no decision function. Clusterers and outlier detectors that `predict` are",
        "  classifiers of that kind (classes: cluster ids, or -1/1). Where skl2onnx's float32 graph flips a",
        "  label at a boundary (OneClassSVM) or its scores drift (LocalOutlierFactor), the python artifact stays.",
        "- Given float64 rows, a scikit-learn model gets a float64 bundle where float32 fails (an encoder of",
        "  float64 values: float32 rows are categories it never saw) or leaves only the python artifact",
        "  while float64 has an ONNX or PMML one (the edges of KBinsDiscretizer and QuantileTransformer sit",
        "  on data values that float32 rows cross); an explicit `dtype` is kept.",
        "- A pickled dict holding the model under `model` exports that model; its `metadata` goes into the",
        "  manifest's `producer.metadata`.",
        "- A float transform ahead of trees (StandardScaler → XGBoost) runs in float32 in ONNX where",
        "  scikit-learn runs it in float64, so rows that sit at a split threshold take the other branch:",
        "  neither format reaches parity and the bundle keeps the python artifact (see the table).",
        "- HistGradientBoosting: skl2onnx 1.20 writes a Python `False` into an integer attribute, which",
        "  protobuf 7 refuses; jinfer passes `0` instead for that one attribute, and the models convert.",
        "- XGBoost models trained on a DataFrame name their features by column; onnxmltools wants `f0, f1…`, so",
        "  jinfer converts them with the names cleared (the graph's input is positional; the bundle keeps the",
        "  column names in its input spec).",
        "- Install what a family needs with `pip install 'jinfer[xgboost]'`, `[lightgbm]`, `[torch]`, `[mlflow]`,",
        "  `[h2o]`, `[tf]`;",
        "  without it, export says which of these to run. `jinfer[xgboost]` brings `xgboost-cpu` (XGBoost's",
        "  CPU-only wheel); with `xgboost` already installed, add `onnxmltools==1.16.0` alone.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
