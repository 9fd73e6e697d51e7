"""One version source: VERSION, the package metadata, the CLI and the CHANGELOG agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jinfer

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()


def test_version_file_is_one_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[.-]?(?:a|b|rc|dev)\d*)?", VERSION), VERSION


def test_package_reports_the_version_file() -> None:
    assert jinfer.__version__ == VERSION


def test_cli_reports_the_version_file() -> None:
    out = subprocess.run([sys.executable, "-m", "jinfer", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"jinfer {VERSION}"


def test_changelog_latest_release_is_the_version_file() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased", headings
    assert headings[1] == VERSION, f"CHANGELOG's latest release is {headings[1]}, VERSION says {VERSION}"
