"""A model only Python can run, called from Java in-process: train, export, then `jinfer run-java`.

The pipeline's first step is a FunctionTransformer of arbitrary Python (custom_features.py). ONNX
and PMML cannot express it, so `jinfer.export` drops both (saying why) and falls back, on its own,
to the python artifact: the pickled model, run by real CPython when Python hosts the JVM.

    .venv/bin/python examples/python_model.py [OUT.jinfer]      (default build/examples/custom.jinfer)
    gradle -q :java-service:classes
    PYTHONPATH=examples .venv/bin/python -m jinfer run-java \\
        -cp examples/java-service/build/classes/java/main com.example.PythonModelService build/examples/custom.jinfer
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import jinfer
from custom_features import flower_features  # importable, never defined in __main__


def main(out: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = Pipeline([
        ("features", FunctionTransformer(flower_features)),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression(max_iter=1000)),
    ]).fit(X, y)

    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", jinfer.ExportWarning)
        bundle = jinfer.export(model, X, out, name="iris-custom", version="1.0.0",
                               description="iris: hand-written Python features + LogisticRegression")
    for w in caught:
        if issubclass(w.category, jinfer.ExportWarning):
            print(f"  {str(w.message)[:150]}")
    print(f"exported {bundle.path}")
    for a in bundle.manifest.artifacts:
        print(f"  {a.backend}: parity through Java {'passed' if a.parity['passed'] else 'FAILED'} on "
              f"{a.parity['rows']} rows; needs {a.details.get('requirements')} and modules {a.details.get('modules')}")

    rows = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]], dtype=np.float32)
    print("scikit-learn, for comparison with the Java service:")
    for row, label, p in zip(rows, model.predict(rows), model.predict_proba(rows)):
        print(f"  [{', '.join(f'{v:g}' for v in row)}] -> class {label} p={np.round(p, 6).tolist()}")
    print("next: PYTHONPATH=examples .venv/bin/python -m jinfer run-java "
          f"-cp examples/java-service/build/classes/java/main com.example.PythonModelService {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/examples/custom.jinfer"))
