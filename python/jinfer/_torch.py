"""Alias, kept for bundles: jinfer 0.1.0 pickled ``jinfer._torch.TorchPredictor`` into torch
python artifacts and wrote the callable ``jinfer._torch:predict_outputs`` into their manifests
(jinfer still writes that callable). The classes live in :mod:`jinfer._artifacts`. Importing
this module imports no torch.
"""

from ._artifacts import TorchPredictor, predict_outputs

__all__ = ["TorchPredictor", "predict_outputs"]
