"""The project's export script, run by `gradle exportBundles` with the project's own Python.

It trains the model, exports it with jinfer (parity checked through the Java code path), and
writes the rows and answers that the Java tests compare with: the Python model's own.

    python export_model.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import jinfer

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

X, y = load_iris(return_X_y=True)
X = X.astype(np.float32)
model = RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0).fit(X, y)

# ONNX only: the service runs it with ONNX Runtime and needs no JPMML
jinfer.export(model, X, out / "iris.jinfer", name="iris", version="1.0.0", formats=("onnx",))

rows = X[::10]
np.savez(
    out / "expected.npz",
    features=rows,
    label=model.predict(rows).astype(np.int64),
    probabilities=model.predict_proba(rows).astype(np.float32),
)
print(f"exported {out / 'iris.jinfer'} and {len(rows)} expected rows")
