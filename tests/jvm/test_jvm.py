"""One JVM per process: jinfer says so clearly instead of failing obscurely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jinfer
from jinfer._runtime import jvm as _jvm


def test_asking_again_with_the_same_settings_is_fine() -> None:
    with jinfer.jvm():
        assert _jvm.is_started()


def test_a_second_jvm_with_other_settings_is_refused_with_the_reason() -> None:
    with pytest.raises(jinfer.JVMError, match="cannot restart") as info, jinfer.jvm(jvm_args=["-Xmx64m"]):
        pass
    assert isinstance(info.value, RuntimeError)
    assert "-Xmx64m" in str(info.value)


def test_java_keeps_no_input_buffer_after_predict(bundles: dict[str, Path]) -> None:
    """Overwrite the zero-copy input after predict: the outputs, and later calls, are unaffected."""
    with jinfer.load(bundles["logreg-float32"]) as m:
        X = np.ascontiguousarray(np.random.default_rng(1).random((64, 4)), dtype=np.float32)
        out = m.predict(X)
        label, proba = out["label"].copy(), out["probabilities"].copy()
        X[:] = np.nan
        del X
        for _ in range(50):
            m.predict(np.full((64, 4), 1e6, dtype=np.float32))
        np.testing.assert_array_equal(out["label"], label)
        np.testing.assert_array_equal(out["probabilities"], proba)


def test_loading_and_predicting_imports_no_heavy_module(bundles: dict[str, Path], tmp_path: Path) -> None:
    """A fresh process's first prediction pays for numpy, JPype and the JVM, not for what export or
    other backends need (ml_dtypes alone took 0.45 s, jpmml_evaluator, with pandas, 0.2 s)."""
    code = (
        "import sys, numpy as np, jinfer\n"
        "with jinfer.load(sys.argv[1]) as m: m.predict(np.zeros((1, 4), np.float32))\n"
        "heavy = ('ml_dtypes', 'pandas', 'jpmml_evaluator', 'sklearn', 'onnx', 'onnxruntime', 'scipy', 'skl2onnx')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(bundles["logreg-float32"])], capture_output=True, text=True, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout
