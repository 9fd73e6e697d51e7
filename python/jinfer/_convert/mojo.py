"""H2O models → MOJO, the zip H2O's ``download_mojo`` writes and h2o-genmodel scores in any JVM.

The MOJO is H2O's own export: nothing is converted. :func:`read_mojo` reads back what the Java
backend binds (the feature columns, which are categorical, the response's levels) from its
``model.ini`` and domain files, so the bundle's specs come from the artifact itself.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._optional import require

__all__ = ["MojoInfo", "convert_mojo", "read_mojo"]

_ESCAPE = re.compile(r"\\(.)")
_UNESCAPE = {"n": "\n", "r": "\r"}


@dataclass(frozen=True)
class MojoInfo:
    """What a MOJO says of itself."""

    info: dict[str, str]  # model.ini's [info] section: algo, algorithm, category, h2o_version, ...
    features: tuple[str, ...]  # the feature columns, in the MOJO's order
    domains: dict[str, tuple[str, ...]]  # the levels of each categorical column (the response's too)
    response: str | None  # the response column of a supervised model

    @property
    def algorithm(self) -> str:
        return self.info.get("algorithm", self.info.get("algo", "?"))

    @property
    def category(self) -> str:
        return self.info.get("category", "?")


def convert_mojo(model: Any) -> tuple[bytes, dict[str, Any]]:
    """The MOJO of a trained H2O model (``model.download_mojo``), and the artifact details."""
    h2o = require("h2o", "exporting an H2O model", "h2o")
    if not hasattr(model, "download_mojo"):
        raise TypeError(f"the mojo format is H2O's; {type(model).__name__} is not an H2O model")
    if not getattr(model, "have_mojo", False):
        raise TypeError(f"H2O writes no MOJO for {model.algo} models")
    with tempfile.TemporaryDirectory(prefix="jinfer-mojo-") as tmp:
        data = Path(model.download_mojo(path=tmp)).read_bytes()
    mojo = read_mojo(data)
    details = {
        "algorithm": mojo.algorithm,
        "category": mojo.category,
        "h2o_version": mojo.info.get("h2o_version", "?"),
        "mojo_version": mojo.info.get("mojo_version", "?"),
        "converter": f"h2o {h2o.__version__} download_mojo",
    }
    return data, details


def read_mojo(data: bytes) -> MojoInfo:
    """The columns and levels of a MOJO, from its ``model.ini`` ([info], [columns], [domains])."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sections: dict[str, list[str]] = {}
        current = ""
        for line in z.read("model.ini").decode("utf-8").splitlines():
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1]
            elif line:
                sections.setdefault(current, []).append(line)
        info = {k.strip(): v.strip() for k, _, v in (ln.partition("=") for ln in sections.get("info", []))}
        columns = sections.get("columns", [])
        domains = {}
        for entry in sections.get("domains", []):  # "2: 3 d000.txt": column 2 has 3 levels in domains/d000.txt
            index, _, rest = entry.partition(":")
            levels = z.read(f"domains/{rest.split()[1]}").decode("utf-8").splitlines()
            if info.get("escape_domain_values") == "true":  # genmodel's StringEscapeUtils.unescapeNewlines
                levels = [_ESCAPE.sub(lambda m: _UNESCAPE.get(m.group(1), m.group(1)), s) for s in levels]
            domains[columns[int(index)]] = tuple(levels)
    n = int(info.get("n_features", len(columns)))
    supervised = info.get("supervised", "false") == "true"
    return MojoInfo(info, tuple(columns[:n]), domains, columns[-1] if supervised and len(columns) > n else None)
