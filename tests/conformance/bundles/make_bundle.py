"""Writes iris-logreg.jinfer, the small real bundle the Java unit tests load without Python.

Run once with the venv (`.venv/bin/python tests/conformance/bundles/make_bundle.py`); the output
is committed. It needs the JVM (the exporter proves parity through Java).
"""

from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jinfer

X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=1000).fit(X, y)
jinfer.export(
    model,
    X,
    Path(__file__).parent / "iris-logreg.jinfer",
    name="iris-logreg",
    version="1.0.0",
    description="LogisticRegression on iris, for the Java unit tests",
)
