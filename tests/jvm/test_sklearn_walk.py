"""docs/models.md's walk over all of scikit-learn: current, complete, and meeting its targets.

The walk itself (tests/jvm/sklearn_walk.py, every estimator of scikit-learn) takes a while, so
scripts/support_matrix.py runs it on demand (``JINFER_SKLEARN_WALK=all``) and writes its table into
docs/models.md. Here: the table lists every estimator scikit-learn has; a representative few are
measured again and must give what the table says; and the table meets the targets (every walked
estimator exports; an ONNX or PMML artifact wherever skl2onnx or sklearn2pmml converts it alone).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from sklearn_walk import entries, measure, outcome

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "models.md"
COLUMNS = ("onnx", "pmml", "python", "skl2onnx", "sklearn2pmml")
# one of each way an estimator goes: ONNX and PMML, ONNX only (label and scores), PMML where ONNX
# fails, a clusterer, an outlier detector, a transformer before a classifier
SUBSET = {
    ("classifier", "LinearSVC"),
    ("classifier", "DecisionTreeClassifier"),
    ("regressor", "Ridge"),
    ("clusterer", "KMeans"),
    ("outlier_detector", "IsolationForest"),
    ("transformer", "StandardScaler"),
}


def doc_rows() -> dict[tuple[str, str], dict[str, str]]:
    """The walk's table in docs/models.md: (kind, label) -> cells (yes, no, – or 'not walked')."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- sklearn-walk -->")
    end = text.index("<!-- /sklearn-walk -->")
    rows = {}
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 7 or cells[0] in ("estimator", "---"):
            continue
        label, kind = cells[0].strip("`"), cells[1]
        rows[(kind, label)] = {c: re.sub(r"[*]", "", v).split(" ")[0] for c, v in zip(COLUMNS, cells[2:7])}
    return rows


def test_the_table_lists_every_estimator_of_scikit_learn() -> None:
    rows = doc_rows()
    assert {(e.kind, e.label) for e in entries()} == set(rows)


def test_every_walked_estimator_exports_and_the_converters_alone_are_matched() -> None:
    rows = {k: v for k, v in doc_rows().items() if v["onnx"] != "not"}
    assert len(rows) >= 140  # 144 of the 200 that scikit-learn 1.7 lists
    assert [k for k, v in rows.items() if "yes" not in (v["onnx"], v["pmml"], v["python"])] == []
    alone = [k for k, v in rows.items() if "yes" in (v["skl2onnx"], v["sklearn2pmml"])]
    assert [k for k in alone if "yes" not in (rows[k]["onnx"], rows[k]["pmml"])] == []


def test_a_representative_few_still_give_what_the_table_says() -> None:
    rows = doc_rows()
    chosen = [e for e in entries() if (e.kind, e.name) in SUBSET]
    assert len(chosen) == len(SUBSET)
    for row in measure(chosen):
        assert "error" not in row["jinfer"], row
        assert outcome(row) == rows[(row["kind"], row["label"])], row["label"]


@pytest.mark.skipif(os.environ.get("JINFER_SKLEARN_WALK") != "all", reason="the whole walk: scripts/support_matrix.py")
def test_walk_all_of_scikit_learn() -> None:
    """The walk, or with JINFER_SKLEARN_WALK_ONLY=Name,Name… those estimators again, the last walk's
    other rows kept."""
    only = [n for n in os.environ.get("JINFER_SKLEARN_WALK_ONLY", "").split(",") if n]
    chosen = [e for e in entries() if not only or e.name in only]
    rows = measure(chosen, progress=lambda line: print(line, flush=True))
    where = Path(os.environ.get("JINFER_SUPPORT_DIR", ROOT / "build" / "support-matrix"))
    where.mkdir(parents=True, exist_ok=True)
    record = where / "_sklearn_walk.json"
    if only:
        again = {(r["kind"], r["label"]): r for r in rows}
        last = json.loads(record.read_text())
        assert again.keys() <= {(r["kind"], r["label"]) for r in last}, "walk all of it first"
        record.write_text(json.dumps([again.get((r["kind"], r["label"]), r) for r in last], indent=1, default=str))
    else:
        record.write_text(json.dumps(rows, indent=1, default=str))
    walked = [r for r in rows if "not_walked" not in r]
    assert [r["label"] for r in walked if not r["jinfer"]["backends"]] == []
    assert [r["label"] for r in walked if "error" in r["jinfer"]] == []
