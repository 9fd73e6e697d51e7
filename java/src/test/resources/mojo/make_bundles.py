"""Make the MOJO bundles of the Java tests (io.jinfer.mojo.MojoSessionTest): real H2O models,
exported by jinfer.export, each with H2O's own predictions on its parity sample (which has missing
values and an unseen level) in parity/expected.npz.

    build/venv-h2o/bin/python java/src/test/resources/mojo/make_bundles.py    # after `make test-h2o`

It starts a local H2O cluster on 127.0.0.1 and stops it at the end. Regenerate, never edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[4] / "tests"))

import h2o_models as hm

import jinfer

ROWS = 60


def main() -> None:
    train = hm.table(400, seed=0)
    sample = hm.table(ROWS, seed=1, unseen=True)
    train["yint"] = (train["y"] == "yes").astype(int)
    sample["yint"] = (sample["y"] == "yes").astype(int)
    with hm.local_cluster() as h2o:
        fr = hm.frame(h2o, train)
        cases = {
            "gbm-binomial": hm.train(h2o, "gbm", "y", train),
            "glm-multinomial": hm.train(h2o, "glm", "k", train),
            "drf-regression": hm.train(h2o, "drf", "r", train),
            "gbm-numeric": hm.train(h2o, "gbm", "y", train, ("a", *hm.NUMERIC)),
        }
        xgb = hm.estimator("xgboost", "y")
        xgb.train(x=list(hm.MIXED), y="yint", training_frame=fr)
        cases["xgboost-binomial-int"] = xgb
        for name, model in cases.items():
            path = HERE / f"{name}.jinfer"
            jinfer.export(model, sample, path, name=name, version="1.0.0", max_parity_rows=ROWS)
            print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
