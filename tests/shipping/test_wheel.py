"""The wheel of `make dist`, installed into a fresh venv and used from a directory outside the
checkout, as `pip install jinfer` users do: export a pickled model with the CLI, predict through
the JVM with the jars the wheel carries, inspect the bundle. A wheel missing a module or a jar fails
here."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest
from ship import ROOT, VERSION, clean_env, run

PACKAGE = ROOT / "python" / "jinfer"

TRAIN = """
import joblib, numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
X, y = load_iris(return_X_y=True)
model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X, y)
joblib.dump(model, "model.joblib")
np.save("sample.npy", X.astype(np.float32))
"""

PREDICT = """
import jinfer, joblib, numpy as np
print("jinfer from", jinfer.__file__)
X = np.load("sample.npy")
model = joblib.load("model.joblib")
with jinfer.load("iris.jinfer") as m:
    out = m.predict(X)
    print("backend", m.backend)
assert (out["label"] == model.predict(X)).all()
np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), rtol=1e-5, atol=1e-6)
print("java predicts what scikit-learn does")
"""


def modules(names: list[str], prefix: str) -> set[str]:
    return {n[len(prefix) :] for n in names if n.startswith(prefix) and n.endswith(".py")}


def test_wheel_holds_every_module_and_the_runtime_jars(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as z:
        names = z.namelist()
    source = {str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")}
    assert modules(names, "") == source
    jars = {n.rsplit("/", 1)[1] for n in names if n.startswith("jinfer/jars/")}
    assert jars == {p.name for p in (PACKAGE / "jars").glob("*.jar")}
    assert f"jinfer-{VERSION}.jar" in jars and any(j.startswith("onnxruntime-") for j in jars)
    assert "jinfer/py.typed" in names


def test_sdist_holds_what_the_wheel_is_built_from(dist: dict[str, Path]) -> None:
    if "sdist" not in dist:
        pytest.skip("JINFER_WHEEL names a wheel: no sdist to check")
    with tarfile.open(dist["sdist"]) as t:
        names = t.getnames()
    top = f"jinfer-{VERSION}/"
    assert modules(names, top + "python/") == {str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")}
    for f in ("pyproject.toml", "VERSION", "LICENSE", "README.md", f"python/jinfer/jars/jinfer-{VERSION}.jar"):
        assert top + f in names, f


def test_wheel_in_a_fresh_venv_exports_predicts_and_inspects(wheel_venv: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"  # outside the checkout, and not a parent of it
    work.mkdir()
    assert not work.is_relative_to(ROOT) and not ROOT.is_relative_to(work)
    env = clean_env()
    python, cli = wheel_venv / "python", wheel_venv / "jinfer"
    run([python, "-c", TRAIN], cwd=work, env=env)

    r = run(
        [cli, "export", "model.joblib", "--sample", "sample.npy", "-o", "iris.jinfer", "--name", "iris"],
        cwd=work,
        env=env,
    )
    assert "wrote" in r.stdout and (work / "iris.jinfer").is_file(), r.stdout + r.stderr

    r = run([python, "-c", PREDICT], cwd=work, env=env)
    assert f"jinfer from {wheel_venv.parent}" in r.stdout, r.stdout  # the wheel's, not the checkout's
    assert "backend onnx" in r.stdout and "java predicts what scikit-learn does" in r.stdout, r.stdout

    r = run([cli, "inspect", "iris.jinfer"], cwd=work, env=env)
    for word in ("iris", "classification", "features", "probabilities", "onnx", "passed"):
        assert word in r.stdout, (word, r.stdout)
