"""Optional dependencies: import one, or say which ``pip install 'jinfer[extra]'`` brings it.

Layer L0 (contracts): no JVM and no ML library is imported here at import time.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import sys
from types import ModuleType

__all__ = ["loaded_class", "missing_extra", "require", "version_of"]


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
