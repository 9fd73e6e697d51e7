"""The wrappers people pickle a model in: a dict with the model under ``"model"``.

Tutorials on versioned pickles recommend ``joblib.dump({"model": model, "metadata": {...}}, f)``.
:func:`unwrap` takes the model out and keeps the rest as metadata (``"metadata"``'s entries, and
any other key beside ``"model"``), made JSON-safe for the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._exceptions import UnsupportedModelError

__all__ = ["unwrap"]


def unwrap(obj: Any) -> tuple[Any, dict[str, Any] | None]:
    """The model inside ``obj`` and the metadata beside it; ``obj`` itself and None for a model.

    Raises :class:`UnsupportedModelError` for a mapping with no ``"model"`` entry."""
    if not isinstance(obj, Mapping):
        return obj, None
    if "model" not in obj:
        keys = sorted(map(str, obj))
        raise UnsupportedModelError(
            f"a {type(obj).__name__} with keys {keys} is not a model; jinfer exports a dict only when it "
            "holds the model under 'model' (with optional 'metadata')"
        )
    meta = obj.get("metadata")
    metadata: dict[str, Any] = dict(meta) if isinstance(meta, Mapping) else ({} if meta is None else {"metadata": meta})
    metadata.update({str(k): v for k, v in obj.items() if k not in ("model", "metadata")})
    safe: dict[str, Any] = json.loads(json.dumps(metadata, default=str, allow_nan=False, ensure_ascii=False))
    return obj["model"], safe
