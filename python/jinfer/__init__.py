"""jinfer: run Python-trained models in-process on the JVM, with parity proven through Java.

    bundle = jinfer.export(model, X_sample, "churn.jinfer", name="churn", version="1.2.0")
    with jinfer.jvm():
        m = jinfer.load("churn.jinfer")
        out = m.predict(X)          # dict[str, np.ndarray], computed by io.jinfer.Models
"""

from ._bundle import Bundle, write_bundle
from ._exceptions import BackendError, BundleError, InputError, JinferError, JVMError, ParityError
from ._export import ExportWarning, export
from ._jvm import jvm
from ._mlflow import MLflowModelError, from_mlflow
from ._manifest import Artifact, Manifest, TensorSpec
from ._model import Model, load
from ._pyruntime import DependencyWarning, register, unregister
from ._runjava import run_java
from ._version import __version__

__all__ = [
    "Artifact",
    "BackendError",
    "Bundle",
    "BundleError",
    "DependencyWarning",
    "ExportWarning",
    "InputError",
    "JVMError",
    "JinferError",
    "MLflowModelError",
    "Manifest",
    "Model",
    "ParityError",
    "TensorSpec",
    "__version__",
    "export",
    "from_mlflow",
    "jvm",
    "load",
    "register",
    "run_java",
    "unregister",
    "write_bundle",
]
