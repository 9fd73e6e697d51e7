"""What a user outside this repository gets, made by the real commands once per session: the Maven
artifact that `gradle publish` writes into build/repo, the wheel and sdist of `make dist`, and a
fresh venv (outside the checkout) with that wheel installed.

``JINFER_WHEEL=path/to/jinfer-*.whl`` tests that wheel instead of building one (a release
candidate, or a wheel broken on purpose to see these tests fail).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from ship import GRADLE, MAVEN_LOCAL, REPO, ROOT, clean_env, run


@pytest.fixture(scope="session")
def repo() -> Path:
    """`gradle publish`, run now: io.jinfer:jinfer:VERSION in the file repository build/repo."""
    run([GRADLE, "--console=plain", "-q", "publish"], cwd=ROOT)
    return REPO


@pytest.fixture(scope="session")
def maven_local() -> Path:
    shutil.rmtree(MAVEN_LOCAL / "io" / "jinfer", ignore_errors=True)
    return MAVEN_LOCAL


@pytest.fixture(scope="session")
def dist() -> dict[str, Path]:
    """`make dist`, run now: {"wheel": ..., "sdist": ...} in dist/ (or the wheel JINFER_WHEEL names)."""
    given = os.environ.get("JINFER_WHEEL")
    if given:
        return {"wheel": Path(given).resolve()}
    run(["make", "-s", "dist"], cwd=ROOT)
    wheels = sorted((ROOT / "dist").glob("jinfer-*.whl"))
    sdists = sorted((ROOT / "dist").glob("jinfer-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list((ROOT / "dist").iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


@pytest.fixture(scope="session")
def wheel_venv(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the wheel installed (its dependencies from PyPI):
    the venv's bin/ directory."""
    venv = tmp_path_factory.mktemp("user") / "venv"
    assert not venv.is_relative_to(ROOT)
    run([sys.executable, "-m", "venv", venv], cwd=venv.parent)
    run([venv / "bin" / "python", "-m", "pip", "install", "-q", dist["wheel"]], cwd=venv.parent, env=clean_env())
    return venv / "bin"
