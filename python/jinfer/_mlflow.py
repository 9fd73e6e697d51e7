"""Alias, kept for bundles: jinfer 0.1.0 pickled ``jinfer._mlflow.PyfuncModel`` into the python
artifacts of MLflow pyfunc models. The class lives in :mod:`jinfer._artifacts`. Importing this
module imports no mlflow.
"""

from ._artifacts import PyfuncModel

__all__ = ["PyfuncModel"]
