"""One JVM per process: jinfer says so clearly instead of failing obscurely."""

from __future__ import annotations

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
