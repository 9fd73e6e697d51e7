"""Zero-copy handover must not hold numpy memory forever: 1,000 predicts on 10 MB inputs keep the
resident memory bounded (Java's collector does not see numpy memory, so jinfer prompts it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

import jinfer

ROWS, COLS = 1000, 2500  # 1000 x 2500 float32 = 10 MB per call


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def test_resident_memory_stays_bounded(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    Xtrain = rng.standard_normal((200, COLS)).astype(np.float32)
    model = LogisticRegression(max_iter=200).fit(Xtrain, (Xtrain[:, 0] > 0).astype(int))
    bundle = jinfer.export(model, Xtrain[:50], tmp_path / "wide.jinfer", name="wide", formats=("onnx",))
    with jinfer.load(bundle.path) as m:
        X = rng.standard_normal((ROWS, COLS)).astype(np.float32)
        expected = model.predict(X)
        for _ in range(20):
            m.predict(X.copy())
        start = rss_bytes()
        peak = start
        for i in range(1000):
            out = m.predict(X.copy())  # a fresh 10 MB array every call, handed over without copy
            if i % 100 == 0:
                np.testing.assert_array_equal(out["label"], expected)
                peak = max(peak, rss_bytes())
        growth = max(peak, rss_bytes()) - start
    # 1,000 x 10 MB = 10 GB were handed over; unbounded growth would show gigabytes here
    assert growth < 700 * 2**20, f"resident memory grew by {growth / 2**20:.0f} MiB"
