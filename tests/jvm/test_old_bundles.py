"""Bundles made by earlier releases still load and predict (tests/conformance/bundles/).

Their python artifacts pickle jinfer's classes by the module paths of that release
(``jinfer._mlflow.PyfuncModel`` in the pyfunc bundle): a release that moves a class keeps an alias
at the old path, or these fail. Each predicts, through the Java backend, on its own parity inputs
and must give its own parity expected outputs, within the tolerances recorded at export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jinfer

BUNDLES = Path(__file__).resolve().parents[1] / "conformance" / "bundles"


@pytest.mark.parametrize(
    "name, needs", [("python-pipeline-0.1.0.jinfer", None), ("python-pyfunc-0.1.0.jinfer", "mlflow")]
)
def test_an_old_python_bundle_predicts_its_own_parity_outputs(name: str, needs: str | None) -> None:
    if needs:
        pytest.importorskip(needs, reason=f"{name} needs {needs}: pip install 'jinfer[{needs}]'")
    path = BUNDLES / name
    with jinfer.Bundle.open(path) as b:
        inputs, expected = b.parity_inputs(), b.parity_expected()
        parity = b.manifest.artifacts[0].parity or {}
    assert inputs and expected, f"{name} has no parity sample"
    with jinfer.load(path, trust_python=True) as m:
        assert m.backend == "python"
        out = m.predict(inputs)
    assert sorted(out) == sorted(expected)
    for key, want in expected.items():
        got = np.asarray(out[key])
        assert got.shape == want.shape, key
        if want.dtype.kind in "iubUS":
            np.testing.assert_array_equal(got, want, err_msg=key)
        else:
            scale = float(np.max(np.abs(want)))
            np.testing.assert_allclose(got, want, rtol=0, atol=parity["atol"] + parity["rtol"] * scale, err_msg=key)
