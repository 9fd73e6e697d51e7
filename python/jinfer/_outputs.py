"""``Outputs``: what ``Model.predict`` returns, a dict of arrays by output name with typed access
to the canonical ones (docs/bundle-format.md), as ``io.jinfer.Outputs`` gives them in Java.

``out.label``, ``out.probabilities``, ``out.scores`` (the decision function of a classifier
without probabilities, a clusterer or an outlier detector: ``[n]`` for two classes, ``[n, k]``
otherwise) and ``out.prediction``; a transform's outputs by their names, ``out["embedding"]``.
"""

from __future__ import annotations

from typing import Any

from ._dtypes import Array

__all__ = ["Outputs"]


class Outputs(dict[str, Array]):
    """A dict of output name to ndarray, with the canonical outputs as attributes. A missing one
    raises ``KeyError`` naming the outputs there are."""

    def _named(self, name: str) -> Array:
        try:
            return self[name]
        except KeyError:
            raise KeyError(f"the model gives no output {name!r}; it gives {list(self)}") from None

    @property
    def label(self) -> Array:
        """``label`` ``[n]``: class labels (int64 or str), cluster ids, or -1/1 for outliers."""
        return self._named("label")

    @property
    def probabilities(self) -> Array:
        """``probabilities`` ``[n, k]``, columns in the manifest's ``classes`` order."""
        return self._named("probabilities")

    @property
    def scores(self) -> Array:
        """``scores``: the decision function, ``[n]`` for two classes (positive for ``classes[1]``)
        and for outlier detectors, ``[n, k]`` otherwise."""
        return self._named("scores")

    @property
    def prediction(self) -> Array:
        """``prediction`` ``[n]`` or ``[n, t]``."""
        return self._named("prediction")

    def __repr__(self) -> str:
        return "Outputs(" + ", ".join(f"{k}: {v.dtype} {list(v.shape)}" for k, v in self.items()) + ")"

    def __reduce__(self) -> Any:
        return (Outputs, (dict(self),))
