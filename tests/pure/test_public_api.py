"""The package's one public face: ``__all__`` complete and sorted, typed, importable without a JVM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinfer


def test_all_is_sorted_and_complete() -> None:
    assert list(jinfer.__all__) == sorted(jinfer.__all__)
    public = {n for n in dir(jinfer) if not n.startswith("_") and not isinstance(getattr(jinfer, n), type(sys))}
    assert public <= set(jinfer.__all__) | {"tensor", "annotations"}
    for name in jinfer.__all__:
        assert hasattr(jinfer, name), name


def test_package_is_typed() -> None:
    assert (Path(jinfer.__file__).parent / "py.typed").is_file()


def test_exceptions_subclass_the_builtins_that_fit() -> None:
    assert issubclass(jinfer.InputError, ValueError)
    assert issubclass(jinfer.BundleError, ValueError)
    assert issubclass(jinfer.BackendError, RuntimeError)
    assert issubclass(jinfer.JVMError, RuntimeError)
    for cls in (jinfer.InputError, jinfer.BundleError, jinfer.BackendError, jinfer.ParityError, jinfer.JVMError):
        assert issubclass(cls, jinfer.JinferError)


def test_importing_jinfer_starts_no_jvm(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-c", "import jinfer, jpype; assert not jpype.isJVMStarted(); print('ok')"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.stdout.strip() == "ok", r.stderr


def test_outputs_name_the_canonical_ones_and_what_is_missing() -> None:
    import numpy as np
    import pytest

    out = jinfer.Outputs({"label": np.array([1, 0]), "scores": np.array([0.5, -2.0])})
    assert out.label.tolist() == [1, 0] and out.scores.tolist() == [0.5, -2.0]
    assert out["scores"] is out.scores and dict(out) == {"label": out.label, "scores": out.scores}
    with pytest.raises(KeyError, match=r"no output 'probabilities'; it gives \['label', 'scores'\]"):
        _ = out.probabilities
    assert "scores: float64 [2]" in repr(out)
