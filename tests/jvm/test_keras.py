"""TensorFlow/Keras models through ONNX (Keras 3's export, tf2onnx), run through Java.

Needs ``jinfer[tf]`` (tensorflow-cpu and tf2onnx, about 600 MB installed), which `make test` does
not install: these tests are skipped there, saying so. `make test-tf` installs it into
build/venv-tf and runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from parity_record import export_and_check

import jinfer

tf = pytest.importorskip(
    "tensorflow",
    reason="TensorFlow is not installed (about 600 MB, kept out of `make test`); "
    "run `make test-tf` (installs jinfer[tf] in build/venv-tf)",
)
pytest.importorskip("tf2onnx", reason="the Keras export to ONNX needs tf2onnx: pip install 'jinfer[tf]'")
import keras  # noqa: E402  (with tensorflow, checked above)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 6)).astype(np.float32)
X_NEW = RNG.normal(size=(37, 6)).astype(np.float32)  # another batch size than the sample's
IMAGES = RNG.normal(size=(96, 8, 8, 1)).astype(np.float32)
IMAGES_NEW = RNG.normal(size=(21, 8, 8, 1)).astype(np.float32)
TOKENS = RNG.integers(1, 50, size=(160, 12)).astype(np.int32)
TOKENS_NEW = RNG.integers(0, 50, size=(29, 12)).astype(np.int32)


def fitted(model: Any, x: np.ndarray, y: np.ndarray, loss: str) -> Any:
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    return model


def classes_of(p: np.ndarray, classes: list[Any] | None = None) -> dict[str, np.ndarray]:
    """What a classifier's bundle gives for these softmax (or one sigmoid unit's) outputs."""
    if p.shape[1] == 1:
        proba = np.column_stack([1 - p[:, 0], p[:, 0]])
        index = (p[:, 0] >= 0.5).astype(np.int64)
    else:
        proba, index = p, p.argmax(axis=1)
    labels = index if classes is None else np.array(classes)[index]
    return {"label": labels, "probabilities": proba.astype(np.float64)}


def round_trip(
    tmp_path: Path, case: str, title: str, model: Any, sample: Any, x_new: np.ndarray, truth: Any, **kw: Any
) -> jinfer.Bundle:
    bundle = export_and_check(
        case,
        "TensorFlow/Keras",
        title,
        lambda: jinfer.export(model, sample, tmp_path / f"{case}.jinfer", **kw),
        x_new,
        truth,
        backends=["onnx"],
    )
    assert all(spec.shape[0] == -1 for spec in bundle.manifest.inputs)  # a dynamic batch
    assert bundle.manifest.artifacts[0].details["converter"].startswith("tf2onnx")
    return bundle


def dense(k: int, activation: str | None) -> Any:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(k, activation=activation)]
    )


def test_a_dense_softmax_classifier(tmp_path: Path) -> None:
    m = fitted(dense(3, "softmax"), X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5), "sparse_categorical_crossentropy")
    b = round_trip(
        tmp_path,
        "keras-dense-softmax",
        "Dense net, softmax over 3 classes",
        m,
        X[:200],
        X_NEW,
        classes_of(m.predict(X_NEW, verbose=0), ["low", "mid", "high"]),
        classes=["low", "mid", "high"],
    )
    assert b.manifest.task == "classification" and b.manifest.classes == ("low", "mid", "high")
    assert b.manifest.inputs[0].name == "features" and b.manifest.inputs[0].shape == (-1, 6)


def test_a_dense_sigmoid_unit_is_a_binary_classifier(tmp_path: Path) -> None:
    m = fitted(dense(1, "sigmoid"), X, (X[:, 0] > 0).astype(np.float32), "binary_crossentropy")
    b = round_trip(
        tmp_path,
        "keras-dense-sigmoid",
        "Dense net, one sigmoid unit",
        m,
        X[:200],
        X_NEW,
        classes_of(m.predict(X_NEW, verbose=0)),
    )
    assert b.manifest.classes == (0, 1) and b.manifest.output("probabilities").shape == (-1, 2)


def test_a_dense_regressor(tmp_path: Path) -> None:
    m = fitted(dense(1, None), X, X[:, 0] * 2 + X[:, 1], "mse")
    b = round_trip(
        tmp_path,
        "keras-dense-regression",
        "Dense net, linear output",
        m,
        X[:200],
        X_NEW,
        {"prediction": m.predict(X_NEW, verbose=0)[:, 0]},
    )
    assert b.manifest.task == "regression"


def test_a_small_cnn_with_pooling_and_batch_norm(tmp_path: Path) -> None:
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    m = fitted(m, IMAGES, (IMAGES.mean(axis=(1, 2, 3)) > 0).astype(int) * 2, "sparse_categorical_crossentropy")
    b = round_trip(
        tmp_path,
        "keras-cnn",
        "CNN: Conv2D, BatchNormalization, MaxPooling2D, softmax",
        m,
        IMAGES,
        IMAGES_NEW,
        classes_of(m.predict(IMAGES_NEW, verbose=0)),
    )
    assert b.manifest.inputs[0].name == "input" and b.manifest.inputs[0].shape == (-1, 8, 8, 1)


@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_a_recurrent_text_model_over_integer_tokens(tmp_path: Path, rnn: str) -> None:
    keras.utils.set_random_seed(0)
    m = keras.Sequential(
        [
            keras.Input((12,), dtype="int32"),
            keras.layers.Embedding(50, 8),
            getattr(keras.layers, rnn)(6),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    m = fitted(m, TOKENS, (TOKENS[:, 0] > 25).astype(np.float32), "binary_crossentropy")
    b = round_trip(
        tmp_path,
        f"keras-{rnn.lower()}-text",
        f"Embedding + {rnn} over int32 tokens, sigmoid",
        m,
        TOKENS,
        TOKENS_NEW,
        classes_of(m.predict(TOKENS_NEW, verbose=0)),
    )
    assert b.manifest.inputs[0].dtype == "int32"


def test_a_model_with_two_outputs_is_a_transform_with_their_names(tmp_path: Path) -> None:
    keras.utils.set_random_seed(0)
    x = keras.Input((6,))
    h = keras.layers.Dense(8, activation="relu")(x)
    m = keras.Model(x, {"embedding": keras.layers.Dense(3)(h), "score": keras.layers.Dense(1)(h)})
    want = m.predict(X_NEW, verbose=0)
    b = round_trip(
        tmp_path,
        "keras-two-outputs",
        "Functional model, two named outputs",
        m,
        X[:100],
        X_NEW,
        dict(want),
    )
    assert b.manifest.task == "transform"
    assert {s.name: s.shape for s in b.manifest.outputs} == {"embedding": (-1, 3), "score": (-1, 1)}


# ---------------------------------------------------------------- SavedModels


def saved(tmp_path: Path, signatures: int) -> tuple[Path, Any]:
    m = fitted(dense(1, None), X, X[:, 0], "mse")
    module = tf.Module()
    module.model = m
    serve = tf.function(
        lambda x: {"prediction": m(x)}, input_signature=[tf.TensorSpec((None, 6), tf.float32, name="x")]
    )
    sigs = {"serving_default": serve}
    if signatures > 1:
        sigs["doubled"] = tf.function(
            lambda x: {"prediction": 2 * m(x)}, input_signature=[tf.TensorSpec((None, 6), tf.float32, name="x")]
        )
    path = tmp_path / f"saved-{signatures}"
    tf.saved_model.save(module, str(path), signatures=sigs)
    return path, m


def test_a_savedmodel_directory_with_one_signature(tmp_path: Path) -> None:
    path, m = saved(tmp_path, 1)
    b = round_trip(
        tmp_path,
        "tf-savedmodel",
        "SavedModel directory, one signature",
        path,
        X[:100],
        X_NEW,
        {"prediction": m.predict(X_NEW, verbose=0)[:, 0]},
    )
    assert b.manifest.task == "regression"


def test_a_savedmodel_with_several_signatures_says_how_to_pick_one(tmp_path: Path) -> None:
    path, m = saved(tmp_path, 2)
    with pytest.raises(
        ValueError, match=r"has 2 signatures \['doubled', 'serving_default'\]; pick one: .*signatures\['doubled'\]"
    ):
        jinfer.export(path, X[:100], tmp_path / "two.jinfer")
    loaded = tf.saved_model.load(str(path))  # as the message says: referenced while it exports
    chosen = loaded.signatures["doubled"]
    round_trip(
        tmp_path,
        "tf-signature",
        "SavedModel signature (ConcreteFunction)",
        chosen,
        X[:100],
        X_NEW,
        {"prediction": 2 * m.predict(X_NEW, verbose=0)[:, 0]},
    )


# ---------------------------------------------------------------- bad input


class Eigen(keras.layers.Layer):
    """A layer whose TensorFlow op (SelfAdjointEigV2) tf2onnx has no converter for."""

    def call(self, x: Any) -> Any:
        return tf.linalg.eigh(tf.einsum("bi,bj->bij", x, x))[0]


def test_a_layer_tf2onnx_cannot_convert_is_named_with_its_op(tmp_path: Path) -> None:
    m = keras.Sequential([keras.Input((6,)), Eigen(name="spectrum"), keras.layers.Dense(2)])
    with pytest.raises(
        TypeError, match=r"tf2onnx cannot convert layer 'spectrum' \(Eigen\): TensorFlow op SelfAdjointEigV2"
    ):
        jinfer.export(m, X[:50], tmp_path / "eigen.jinfer")


def test_a_sample_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(jinfer.InputError, match=r"expected input 'features' of shape \[-1, 6\], got shape \[50, 5\]"):
        jinfer.export(dense(2, "softmax"), X[:50, :5], tmp_path / "bad.jinfer")
