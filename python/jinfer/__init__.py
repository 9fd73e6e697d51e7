"""jinfer: run Python-trained models in-process on the JVM, with parity proven through Java.

    bundle = jinfer.export(model, X_sample, "churn.jinfer", name="churn", version="1.2.0")
    with jinfer.jvm():
        m = jinfer.load("churn.jinfer")
        out = m.predict(X)          # dict[str, np.ndarray], computed by io.jinfer.Models

The package is in layers, each importing only from itself or below (CONTRIBUTING.md draws them;
``make lint-python`` checks them): L4 this face, the CLI and bench; L3 export; L2 the model
families; L1a the runtime (JVM, tensors, Model) beside L1b the converters; L0 the contracts.
"""

from ._bundle import Bundle, write_bundle
from ._exceptions import (
    BackendError,
    BundleError,
    InputError,
    JinferError,
    JVMError,
    MLflowModelError,
    ParityError,
    UnsupportedModelError,
)
from ._export import ExportWarning, export, from_mlflow
from ._limits import Limits
from ._manifest import Artifact, Manifest, TensorSpec
from ._outputs import Outputs
from ._runtime.jvm import jvm
from ._runtime.model import Model, load
from ._runtime.pyhost import DependencyWarning, register, unregister  # also: the host installs when the JVM starts
from ._runtime.runjava import run_java
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
    "Limits",
    "MLflowModelError",
    "Manifest",
    "Model",
    "Outputs",
    "ParityError",
    "TensorSpec",
    "UnsupportedModelError",
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
