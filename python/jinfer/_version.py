"""jinfer's version, from the installed package's metadata (``pyproject.toml`` reads ``VERSION``)."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("jinfer")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"
