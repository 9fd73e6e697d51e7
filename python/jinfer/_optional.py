"""Optional dependencies: import one, or say which ``pip install 'jinfer[extra]'`` brings it.

Layer L0 (contracts): no JVM and no ML library is imported here at import time.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import re
import sys
from types import ModuleType

__all__ = ["loaded_class", "missing_extra", "pinned_release", "require", "require_release", "version_of"]


def missing_extra(what: str, extra: str, error: ImportError | None = None) -> ImportError:
    """The ImportError for an optional dependency that is absent, naming the pip command to run."""
    detail = f" ({error})" if error is not None else ""
    return ImportError(f"{what} needs jinfer's optional dependencies: pip install 'jinfer[{extra}]'{detail}")


def require(module: str, what: str, extra: str) -> ModuleType:
    """Import ``module``, or raise the ImportError that names ``pip install 'jinfer[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise missing_extra(what, extra, e) from e


def pinned_release(dist: str) -> str | None:
    """The release that jinfer's own requirements pin ``dist`` to (``dist==X``), or None."""
    try:
        requires = importlib.metadata.requires("jinfer") or []
    except importlib.metadata.PackageNotFoundError:  # jinfer run from a source tree, not installed
        return None
    for line in requires:
        m = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*==\s*([^\s;,]+)\s*", line.split(";")[0])
        if m and _canonical(m.group(1)) == _canonical(dist):
            return m.group(2)
    return None


def require_release(module: str, what: str, why: str) -> ModuleType:
    """Import ``module`` and check that it is the release jinfer pins it to, or raise the
    ImportError that says which release to install (as pandas does for too old optional libraries).

    ``why`` says why that release and no other. The version is the module's own ``__version__``, so
    a build under another distribution name (``onnxruntime-gpu`` for ``onnxruntime``) counts too.
    """
    mod = importlib.import_module(module)
    want = pinned_release(module)
    have = getattr(mod, "__version__", None) or version_of(module).get(module)
    if want is not None and have is not None and have != want:
        raise ImportError(
            f"{what} needs {module} {want}, {why}; this Python has {module} {have}: pip install '{module}=={want}'"
        )
    return mod


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def version_of(*dists: str) -> dict[str, str]:
    """The installed version of each distribution of ``dists`` that is installed, in that order."""
    out = {}
    for dist in dists:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[dist] = importlib.metadata.version(dist)
    return out


def loaded_class(module: str, name: str) -> type | None:
    """The class ``module.name`` if ``module`` is imported already, else None, importing nothing.

    An object whose library was never imported cannot be an instance of its classes, so this is
    how ``isinstance`` checks against optional libraries stay free.
    """
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) else None
