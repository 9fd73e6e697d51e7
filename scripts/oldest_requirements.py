"""Print pip constraints that pin each ranged dependency of jinfer to the oldest version it accepts.

`make test-compat` installs jinfer with them (``pip install -c``) into build/venv-compat, so that the
lower bounds in pyproject.toml are the versions tested, and cannot drift from them:

    python scripts/oldest_requirements.py [--extra pmml ...] > build/oldest.txt

A requirement counts when it has a ``>=`` bound; ``==`` pins (onnxruntime, JPype1) need no
constraint. The ``pmml`` extra is included by default, as `make test-compat` installs it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def oldest(requirements: list[str]) -> dict[str, str]:
    """``{name: lower bound}`` of the requirements that have a ``>=`` bound (markers ignored)."""
    out: dict[str, str] = {}
    for line in requirements:
        req = Requirement(line)
        for spec in req.specifier:
            if spec.operator == ">=":
                out[req.name] = spec.version
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="append", default=None, help="an extra whose requirements count too")
    args = parser.parse_args(argv)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in args.extra if args.extra is not None else ["pmml"]:
        requirements += project["optional-dependencies"][extra]
    for name, version in sorted(oldest(requirements).items()):
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
