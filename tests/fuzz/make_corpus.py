"""Write the seed corpora of tests/fuzz/corpus/ that the conformance vectors do not already give.

    python tests/fuzz/make_corpus.py        (deterministic; the fuzzers also read the vectors)

targets.json lists each target's seeds: these folders, and the conformance vectors and committed
bundles of tests/conformance/. The fuzzers never write here (their working corpora are in
build/fuzz/corpus/).
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
CONFORMANCE = HERE.parent / "conformance"


def vectors() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", CONFORMANCE / "make_vectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def zipped(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


PMML_HEAD = (
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header>{}</Header><DataDictionary>'
    '<DataField name="x1" optype="continuous" dataType="double"/>'
    '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
)
REGRESSION = (
    '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x1"/>'
    '<MiningField name="y" usageType="target"/></MiningSchema><RegressionTable intercept="1.5">'
    '<NumericPredictor name="x1" coefficient="2"/></RegressionTable></RegressionModel></PMML>'
)
TREE = (
    '<TreeModel functionName="regression"><MiningSchema><MiningField name="x1"/>'
    '<MiningField name="y" usageType="target"/></MiningSchema><Node score="0"><True/>'
    '<Node score="1"><SimplePredicate field="x1" operator="lessThan" value="0.5"/></Node>'
    '<Node score="2"><SimplePredicate field="x1" operator="greaterOrEqual" value="0.5"/></Node>'
    "</Node></TreeModel></PMML>"
)


def corpus() -> dict[str, dict[str, bytes]]:
    v = vectors()
    pmml = PMML_HEAD.format("") + REGRESSION
    iris = zipfile.ZipFile(CONFORMANCE / "bundles" / "iris-logreg.jinfer")
    manifest = iris.read("manifest.json")
    return {
        "manifest": {
            "iris.json": manifest,
            "external_data.json": json.dumps(
                {
                    **json.loads(manifest),
                    "artifacts": [
                        {
                            **json.loads(manifest)["artifacts"][0],
                            "details": {"external_data": [{"path": "weights.bin", "sha256": "0" * 64, "bytes": 24}]},
                        }
                    ],
                }
            ).encode(),
        },
        "bundle": {
            "iris-directory-names.jinfer": zipped({n: iris.read(n) for n in iris.namelist()}, zipfile.ZIP_STORED),
            "empty.jinfer": zipped({}),
        },
        "bundle-dir": {
            "links.jinfer": zipped(
                {
                    **{n: iris.read(n) for n in iris.namelist()},
                    "outside.link": b"/etc/hostname",
                    "loop.link": b"loop",
                    "parity/expected.npz.link": b"../model.onnx",
                }
            ),
            "nested.jinfer": zipped({"manifest.json": manifest, "a/b/c/model.onnx": iris.read("model.onnx")}),
        },
        "csv": {
            "floats.csv": b"a,b\n1.5,2\n-3,4e-3\nnan,inf\n",
            "columns.csv": b"z,x,y\n1,2,3\n-4,5,127\n",
            "mixed.csv": b'a,b,c,d\n1.5,"Paris, France",-128,255\n,"quote "" inside",0,0\r\n',
            "bom_crlf.csv": b"\xef\xbb\xbfe\r\ntrue\r\n0\r\n1.0\r\n",
            "features.csv": b"features_0,features_1\n0.1,0.2\n",
        },
        "pmml": {
            "regression.pmml": pmml.encode(),
            "tree.pmml": (PMML_HEAD.format("") + TREE).encode(),
            "extension.pmml": (PMML_HEAD.format("<Extension>" * 20 + "</Extension>" * 20) + REGRESSION).encode(),
            "utf16.pmml": ('<?xml version="1.0" encoding="UTF-16"?>' + pmml).encode("utf-16"),
            "doctype.pmml": ('<!DOCTYPE PMML [<!ENTITY a "b">]>' + pmml).encode(),
        },
        "onnx": {
            **{f"external_{w}.onnx": v.onnx_model(w) for w in ("initializer", "attribute", "sparse", "subgraph")},
            "iris.onnx": iris.read("model.onnx"),
        },
        "npz": {
            "strings.npz": _npz(names=np.array(["a", "ü", ""]), x=np.arange(6.0).reshape(2, 3)),
            "fortran.npz": _npz(f=np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))),
        },
    }


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            with zf.open(zipfile.ZipInfo(f"{name}.npy", (1980, 1, 1, 0, 0, 0)), "w") as f:
                np.lib.format.write_array(f, array, allow_pickle=False)
    return buf.getvalue()


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "corpus"
    shutil.rmtree(out, ignore_errors=True)
    for target, files in corpus().items():
        (out / target).mkdir(parents=True)
        for name, data in files.items():
            (out / target / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv)
