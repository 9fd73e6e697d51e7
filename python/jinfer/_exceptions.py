"""jinfer's exceptions.

The tree mirrors the Java side (``io.jinfer.JinferException`` and its subclasses), and every
leaf also subclasses the built-in that fits, so ``except ValueError`` keeps working::

    JinferError                      base; ``.code`` is the shared ErrorCode name
    ├── BundleError(ValueError)      the file: missing, corrupt, checksum, version
    ├── InputError(ValueError)       this call: missing/unknown input, dtype, rank, shape
    │   └── MLflowModelError         an MLflow model directory jinfer cannot read or export
    ├── BackendError(RuntimeError)   the runtime failed or is unavailable
    ├── ParityError(ValueError)      no artifact matched the original model at export
    ├── UnsupportedModelError(TypeError)   export was given an object it cannot export
    └── JVMError(RuntimeError)       the JVM cannot be started, or not with these settings

Errors raised in Java keep their Java class name (``java_class``) and message.
"""

from __future__ import annotations

__all__ = [
    "BackendError",
    "BundleError",
    "InputError",
    "JVMError",
    "JinferError",
    "MLflowModelError",
    "ParityError",
    "UnsupportedModelError",
]


class JinferError(Exception):
    """Base of every jinfer error. ``code`` is one of the shared ErrorCode names."""

    default_code = "INTERNAL"

    def __init__(self, message: str, code: str | None = None, java_class: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.java_class = java_class


class BundleError(JinferError, ValueError):
    """The bundle is missing, corrupt, tampered with, or of an unsupported version."""

    default_code = "BUNDLE_CORRUPT"


class InputError(JinferError, ValueError):
    """The inputs of this call do not match the model's input specs."""

    default_code = "INVALID_INPUT"


class MLflowModelError(InputError):
    """An MLflow model directory jinfer cannot read: no ``MLmodel``, a corrupt one, no flavor it can
    export, no sample. The message names the file."""

    default_code = "INVALID_VALUE"


class BackendError(JinferError, RuntimeError):
    """A backend runtime failed, or is not available."""

    default_code = "BACKEND_FAILURE"


class ParityError(JinferError, ValueError):
    """No artifact reproduced the original Python model within tolerance."""

    default_code = "PARITY_FAILED"


class UnsupportedModelError(JinferError, TypeError):
    """``export`` was given something it cannot export: an object of no family jinfer knows, an
    unfitted estimator, or a model with a part no bundle can hold. The message names the type and
    what is supported."""

    default_code = "UNSUPPORTED_MODEL"


class JVMError(JinferError, RuntimeError):
    """The JVM could not be started, or was already started with other settings."""

    default_code = "JVM_ERROR"
