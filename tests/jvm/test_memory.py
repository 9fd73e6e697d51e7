"""Zero-copy handover must not hold numpy memory forever: 1,000 predicts on 10 MB inputs keep the
resident memory bounded (Java's collector does not see numpy memory, so jinfer prompts it), and
what Java holds is counted once per array, so handing one array over again prompts nothing."""

from __future__ import annotations

import time
from pathlib import Path

import jpype
import numpy as np
import pytest
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


class CountingSystem:
    """Stands in for jinfer.tensor's collector prompt (``FromPython.collectSoon``) to count them."""

    def __init__(self) -> None:
        self.prompts = 0

    def __call__(self) -> None:
        self.prompts += 1


def test_what_java_holds_is_counted_once_per_array(monkeypatch: pytest.MonkeyPatch) -> None:
    from jinfer import tensor
    from jinfer.tensor import to_java

    system = jpype.JClass("java.lang.System")
    tensor._java()
    counter = CountingSystem()
    monkeypatch.setitem(tensor._J, "collect", counter)
    monkeypatch.setattr(tensor, "_GC_BYTES", 16 << 20)
    # as if a prompt had just run: the next one is due when Java holds 16 MiB more than now
    # (buffers of earlier tests that Java releases meanwhile lower both)
    monkeypatch.setattr(tensor, "_prompt_at", tensor._held_bytes + (16 << 20))
    x = np.ones((4 << 20) // 4, dtype=np.float32)  # 4 MiB
    quarter = x.size // 4

    same = [to_java(x) for _ in range(50)]  # 200 MiB handed over, 4 MiB held
    slices = [to_java(x[i * quarter : (i + 1) * quarter]) for i in range(4)]  # 1 MiB views of x
    assert tensor._held[id(x)] == x.nbytes  # one array's memory, however many views of it Java holds
    assert counter.prompts == 0

    copies = [x.copy() for _ in range(8)]
    fresh = [to_java(c) for c in copies]  # 32 MiB more that Java holds
    assert all(tensor._held[id(c)] == c.nbytes for c in copies)
    assert counter.prompts >= 1

    # when Java lets go of the buffers, their arrays leave the count
    del same, slices, fresh
    deadline = time.monotonic() + 30
    while any(id(a) in tensor._held for a in (x, *copies)) and time.monotonic() < deadline:
        system.gc()
        time.sleep(0.05)
    assert not any(id(a) in tensor._held for a in (x, *copies))
