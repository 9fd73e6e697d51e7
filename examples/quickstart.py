"""jinfer quickstart: train, export, verify in the JVM, predict, and compare with Python.

Run with `make demo` (or `.venv/bin/python examples/quickstart.py [OUT_DIR]`).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import jinfer


def median_us(fn, repeat: int = 300) -> float:
    for _ in range(20):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def main(out_dir: Path) -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)

    out_dir.mkdir(parents=True, exist_ok=True)
    bundle = jinfer.export(
        model, X, out_dir / "iris.jinfer", name="iris", version="1.0.0", description="RandomForest (100 trees) on iris"
    )
    print(f"exported {bundle.path}")
    for a in bundle.manifest.artifacts:
        print(
            f"  {a.backend}: parity through Java {'passed' if a.parity['passed'] else 'FAILED'} "
            f"on {a.parity['rows']} rows"
        )

    with jinfer.load(bundle.path) as m:  # starts the JVM once; closing frees the native session
        X32 = X.to_numpy(dtype=np.float32)
        out = m.predict(X32)

        print("\nparity, Java (io.jinfer.Models) vs scikit-learn, on all 150 rows:")
        print(f"  {'output':<14}{'max abs error':>16}{'mismatches':>12}")
        p_err = np.abs(out["probabilities"] - model.predict_proba(X)).max()
        l_bad = int((out["label"] != model.predict(X)).sum())
        print(f"  {'probabilities':<14}{p_err:>16.2e}{'-':>12}")
        print(f"  {'label':<14}{'-':>16}{l_bad:>12}")

        row = X32[:1].copy()
        sess = ort.InferenceSession(bundle.read_artifact(bundle.manifest.artifacts[0]))
        one = {"features": row}
        print("\nlatency of one row, median of 300 calls (same process, same run):")
        rows = [
            ("scikit-learn predict_proba", median_us(lambda: model.predict_proba(X.iloc[:1]))),
            ("onnxruntime Python", median_us(lambda: sess.run(None, one))),
            ("jinfer (Python → Java → ORT)", median_us(lambda: m.predict(row))),
        ]
        for name, us in rows:
            print(f"  {name:<30}{us:>10.1f} µs")
        m.close()
    print(f"\nnext: load {bundle.path} from Java (examples/java-service)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/quickstart"))
