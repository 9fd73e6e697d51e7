"""onnxruntime's Python wheel and its Java jar each carry a libonnxruntime. With Python hosting the
JVM both can sit in one process: import onnxruntime first, run it, then load through Java."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys
import numpy as np
import onnxruntime as ort                       # Python's libonnxruntime first
import jinfer

path = sys.argv[1]
b = jinfer.Bundle.open(path)
sess = ort.InferenceSession(b.read_artifact(b.manifest.artifacts[0]))
X = b.parity_inputs()["features"]
py = sess.run(None, {"features": X})
with jinfer.load(path) as m:                    # then Java's, in the same process
    j = m.predict(X)
    j2 = m.predict(X)
assert (j["label"] == py[0]).all()
assert np.allclose(j["probabilities"], py[1], rtol=1e-6, atol=1e-7)
assert (j2["label"] == j["label"]).all()
py2 = sess.run(None, {"features": X})           # and Python's still works after Java ran
assert (py2[0] == py[0]).all()
print("both runtimes agree")
"""


def test_python_and_java_onnxruntime_in_one_process(bundles: dict[str, Path], tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(bundles["forest-float32"])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "both runtimes agree" in r.stdout
