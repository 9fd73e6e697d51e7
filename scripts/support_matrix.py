"""Write docs/models.md, the support matrix (model family × backend, with parity), from real runs.

    .venv/bin/python scripts/support_matrix.py                # run every suite it can, then write the page
    .venv/bin/python scripts/support_matrix.py --suite h2o    # run that suite only, keep the others' records
    .venv/bin/python scripts/support_matrix.py --no-run       # rewrite it from the last runs' records

The suites: tests/jvm/test_families.py and tests/jvm/test_mlflow.py with this Python, and
tests/jvm/test_torch.py, test_h2o.py and test_keras.py with the venvs of `make test-torch`,
`make test-h2o` and `make test-tf` (build/venv-torch, venv-h2o, venv-tf) when they are there,
each with JINFER_SUPPORT_DIR set to a directory of its own: every case then records what it
measured through Java (tests/jvm/parity_record.py). A suite that is not run (not asked for, or its
venv is missing) keeps the records of its last run, and the page says when that was, so a missing
venv never drops a family from the page. The page is built from those records only; nobody types
a figure.
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
# name, test files, the Python that runs them (None: this one), the make target that makes that Python
SUITES: tuple[tuple[str, tuple[str, ...], Path | None, str], ...] = (
    ("families", ("tests/jvm/test_families.py", "tests/jvm/test_mlflow.py"), None, "make setup"),
    ("torch", ("tests/jvm/test_torch.py",), VENVS / "venv-torch" / "bin" / "python", "make test-torch"),
    ("h2o", ("tests/jvm/test_h2o.py",), VENVS / "venv-h2o" / "bin" / "python", "make test-h2o"),
    ("keras", ("tests/jvm/test_keras.py",), VENVS / "venv-tf" / "bin" / "python", "make test-tf"),
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


def run_tests(python: Path, files: tuple[str, ...], records: Path) -> tuple[int, str]:
    env = {**os.environ, "JINFER_SUPPORT_DIR": str(records)}
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
    args = p.parse_args(argv)
    failed = False
    for name, files, python, target in SUITES:
        where = RECORDS / name
        if args.no_run or (args.suite and name not in args.suite):
            continue
        python = python or Path(sys.executable)
        if not python.is_file():
            print(f"{name}: no {python.relative_to(ROOT)} (run `{target}` first); keeping its last records")
            continue
        shutil.rmtree(where, ignore_errors=True)
        code, summary = run_tests(python, files, where)
        failed |= code != 0
        where.mkdir(parents=True, exist_ok=True)
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        (where / "_run.json").write_text(json.dumps({"summary": summary, "when": when}, indent=1))
    records: list[dict[str, Any]] = []
    runs: dict[str, str] = {}
    for name, files, _, target in SUITES:
        run = RECORDS / name / "_run.json"
        if run.is_file():
            last = json.loads(run.read_text())
            runs[", ".join(files)] = f"run {last['when']}: {last['summary']}"
        else:
            runs[", ".join(files)] = f"never run here (needs `{target}`)"
        records += [json.loads(f.read_text()) for f in sorted((RECORDS / name).glob("[!_]*.json"))]
    if not records:
        print(f"no records in {RECORDS}: run without --no-run", file=sys.stderr)
        return 1
    OUT.write_text(render(records, runs), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} from {len(records)} cases")
    return 1 if failed else 0


def figure(rec: dict[str, Any], backend: str) -> str:
    """One cell: the largest float error relative to the output's scale, over the parity sample
    (the manifest's figures) and the fresh rows, with the label verdict."""
    if backend in rec["backends"]:
        b = rec["backends"][backend]
        errs = [v for k, v in b["fresh"].items() if k != "label"]
        errs += [o["scale_rel_error"] for o in b["parity"]["outputs"].values() if "scale_rel_error" in o]
        labels = ", labels exact" if "label" in b["fresh"] else ""
        rows = b["parity"]["rows"] + b["fresh_rows"]
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


def render(records: list[dict[str, Any]], runs: dict[str, str]) -> str:
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
            lines.append(f"| {rec['model']} | {rec['task']} | {rec['dtype']} | {cells} |")
        lines.append("")
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
        "- An `onnx.ModelProto` is exported as given; a ZipMap output is taken off and its classes kept.",
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
