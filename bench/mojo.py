"""The mojo backend's benchmark: jinfer against h2o-genmodel used directly, and against ONNX, in one run.

    make bench-h2o       # build/venv-h2o/bin/python bench/mojo.py: a few minutes on 2 cores

Trains three H2O models on a local cluster (127.0.0.1, shut down before timing starts), exports
them with ``jinfer.export``, then runs the Java harness ``io.jinfer.bench.MojoBench`` (java/src/bench)
as a subprocess: per row (batch 1) and per batch (1,024 rows), ``Models.load(bundle, mojo).predict``
against an ``EasyPredictModelWrapper`` fed a ``RowData`` per row, and the onnx backend where the
bundle has one. It writes its section of docs/benchmarks.md (between the ``mojo-bench`` markers,
which bench/run.py keeps) and build/bench/mojo.json. It reports; it never fails on a missed target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the H2O set-up of tests/h2o_models.py

import h2o_models as hm
import jinfer
from jinfer._bench import duration

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- mojo-bench:start -->", "<!-- mojo-bench:end -->"
TARGET = 1.1  # DESIGN.md's PMML rule, which issue 16 asks of the mojo backend too: ≤ 1.1x the raw runtime
MODELS = {  # name: (algorithm, target, columns, title)
    "gbm-numeric": ("gbm", "y", hm.NUMERIC, "GBM, 20 trees, binomial, 3 numeric columns (mojo + onnx)"),
    "gbm-mixed": ("gbm", "y", hm.MIXED, "GBM, 20 trees, binomial, 4 numeric columns and a string column"),
    "glm-mixed": ("glm", "k", hm.MIXED, "GLM, multinomial (3 classes), 4 numeric columns and a string column"),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="where benchmarks.md is")
    args = p.parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="jinfer-mojo-bench-") as tmp:
        bundles = export_models(Path(tmp))
        out = ROOT / "build" / "bench" / "mojo.json"
        subprocess.run(["gradle", "--console=plain", "-q", "benchClasspath"], cwd=ROOT, check=True)
        # the harness, then h2o-genmodel from jinfer's jars; in CLASSPATH, not on the command line, which
        # ONNX Runtime 1.29's native start cannot take past about 4,000 characters (it crashes the JVM)
        jars = sorted(str(p) for p in (ROOT / "python" / "jinfer" / "jars").glob("*.jar"))
        cp = os.pathsep.join([(ROOT / "build" / "bench" / "classpath.txt").read_text().strip(), *jars])
        cmd = ["java", "io.jinfer.bench.MojoBench", "--batches", "1,1024", "--out", str(out)]
        cmd += ["--rounds", "5" if args.quick else "15"]
        cmd += [a for name, path in bundles.items() for a in ("--bundle", f"{name}={path}")]
        started = time.monotonic()
        subprocess.run(cmd, check=True, env={**os.environ, "CLASSPATH": cp})
        elapsed = time.monotonic() - started
    results = json.loads(out.read_text())
    section = render(results, load_start, os.getloadavg(), elapsed)
    print(section)
    write_section(args.docs / "benchmarks.md", section)
    return 0


def export_models(workdir: Path) -> dict[str, Path]:
    """Each model of MODELS trained on the test table and exported (its sample has missing
    values and an unseen level); the cluster is gone before anything is timed."""
    train, sample = hm.table(2000, seed=0), hm.table(500, seed=1, unseen=True)
    paths = {}
    with hm.local_cluster() as h2o:
        for name, (algo, target, columns, _) in MODELS.items():
            model = hm.train(h2o, algo, target, train, columns)
            paths[name] = workdir / f"{name}.jinfer"
            jinfer.export(model, sample, paths[name], name=name)
    return paths


def medians(results: dict[str, Any]) -> dict[tuple[str, int], dict[str, float]]:
    out: dict[tuple[str, int], dict[str, float]] = {}
    for point in results["latency"]:
        out.setdefault((point["model"], point["batch"]), {})[point["series"]] = statistics.median(point["seconds"])
    return out


def render(results: dict[str, Any], load_start: tuple[float, ...], load_end: tuple[float, ...], elapsed: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## The mojo backend (H2O MOJOs) against h2o-genmodel",
        "",
        "<!-- Written by bench/mojo.py (`make bench-h2o`), measured in one run; bench/run.py keeps it. -->",
        "",
        f"Run {when}; {platform.platform()}, {results['processors']} processors, Java {results['java_version']},"
        f" h2o-genmodel {_genmodel_version()}. Load average (1, 5, 15 min) {_load(load_start)} at the start,"
        f" {_load(load_end)} at the end: other work shared the machine. Timing took {elapsed:.0f} s.",
        "",
        "Medians of seconds per call, interleaved: `jinfer-mojo` is `Models.load(bundle, mojo).predict(batch)`;"
        " `genmodel-java` is the same MOJO through an `EasyPredictModelWrapper`, a `RowData` filled from the same"
        " columns for each row; `jinfer-onnx` is the bundle's ONNX artifact (numeric GBMs), one intra-op thread."
        f" Target: jinfer-mojo ≤ {TARGET}x genmodel-java, per row (batch 1) and per batch (1,024 rows).",
        "",
        "| model | batch | jinfer-mojo | genmodel-java | jinfer-mojo / genmodel | jinfer-onnx | onnx / mojo |",
        "|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for (model, batch), m in sorted(medians(results).items()):
        ratio = m["jinfer-mojo"] / m["genmodel-java"]
        worst = max(worst, ratio)
        onnx = m.get("jinfer-onnx")
        cells = [
            model,
            f"{batch:,}",
            duration(m["jinfer-mojo"]),
            duration(m["genmodel-java"]),
            f"**{ratio:.2f}x**",
            duration(onnx) if onnx else "–",
            f"{onnx / m['jinfer-mojo']:.2f}x" if onnx else "–",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    verdict = "holds" if worst <= TARGET else "is missed"
    lines += [
        "",
        f"Worst ratio {worst:.2f}x: the ≤ {TARGET}x target {verdict}. Models:",
        "",
        *(f"- `{name}`: {title}" for name, (_, _, _, title) in MODELS.items()),
        "",
        END,
    ]
    return "\n".join(lines)


def _genmodel_version() -> str:
    jar = next((ROOT / "python" / "jinfer" / "jars").glob("h2o-genmodel-[0-9]*.jar"), None)
    return jar.name[len("h2o-genmodel-") : -len(".jar")] if jar else "?"


def _load(avg: tuple[float, ...]) -> str:
    return ", ".join(f"{x:.1f}" for x in avg)


def write_section(page: Path, section: str) -> None:
    """Put the section in place of the page's old one, or at its end."""
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
