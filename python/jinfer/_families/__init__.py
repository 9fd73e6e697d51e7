"""L2, the model families: how ``jinfer.export`` takes each kind of model.

A family prepares a model for export (its sample, task and own outputs on the sample: a
:class:`.base.Prepared`) and converts it to each format it can have::

    Family                      base: formats(), prepare() → Prepared, convert(fmt) → bytes, details
    ├── SklearnFamily           scikit-learn estimators and Pipelines, in ``.sklearn``
    │   └── WrapperFamily       XGBoost's and LightGBM's scikit-learn wrappers, in ``.boosters``
    │       ├── XGBoostFamily   xgboost.Booster
    │       └── LightGBMFamily  lightgbm.Booster
    ├── OnnxFamily              onnx.ModelProto: the graph as given, ZipMap taken off, a classifier,
    │                           a regressor or a transform, in ``.onnx`` (its edges: ``.onnx_io``)
    ├── TorchFamily             torch.nn.Module (regression, logits, or named outputs), in ``.torch``
    ├── H2OFamily               an H2O-3 model: its MOJO, ONNX for GBMs on numbers, in ``.h2o``
    ├── KerasFamily             a Keras model or TensorFlow SavedModel, to ONNX, in ``.keras``
    └── MLflowFamily, PyfuncFamily   an MLflow model directory, in ``.mlflow`` (``.mlmodel`` reads it)

:func:`.table.family_of` picks the family with plain ``isinstance`` checks, one row each, and
refuses anything else (``UnsupportedModelError``); :func:`.wrapped.unwrap` takes a model out of a
pickled ``{"model": ..., "metadata": ...}`` first. :mod:`.sample` turns ``X_sample`` into the
bundle's inputs, with one set of messages.

The boundary: families import the contracts (L0) and the converters (``_convert``, L1b), never
the runtime (no JVM here: export checks parity above) nor export. Their libraries are imported
when a model of theirs is exported, never when this package is imported.

This ``__init__`` imports nothing.
"""
