"""PyTorch modules through torch.onnx.export (a dynamic batch dimension), run through Java.

PyPI's only Linux torch is the CUDA build (about 6 GB with its nvidia-* wheels), so `make test`
does not install it and these tests are skipped there, saying so; `make test-torch` installs
``jinfer[torch]`` into build/venv-torch and runs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from parity_record import export_and_check

import jinfer

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: PyPI offers only its CUDA build (~6 GB with the nvidia-* wheels), "
    "kept out of `make test`; run `make test-torch` (installs jinfer[torch] in build/venv-torch)",
)
pytest.importorskip("onnxscript", reason="torch.onnx.export needs onnxscript: pip install 'jinfer[torch]'")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 6)).astype(np.float32)
X_NEW = RNG.normal(size=(150, 6)).astype(np.float32)
IMAGES = RNG.normal(size=(64, 1, 8, 8)).astype(np.float32)
IMAGES_NEW = RNG.normal(size=(40, 1, 8, 8)).astype(np.float32)


class MLP(torch.nn.Module):
    def __init__(self, d: int = 6, k: int = 3) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(d, 16), torch.nn.ReLU(), torch.nn.Linear(16, k))

    def forward(self, x: Any) -> Any:
        return self.net(x)


class CNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3)
        self.fc = torch.nn.Linear(4 * 6 * 6, 5)

    def forward(self, x: Any) -> Any:
        return self.fc(torch.relu(self.conv(x)).flatten(1))


class DataDependent(torch.nn.Module):
    """Python control flow on a tensor's value: torch.export cannot trace it."""

    def forward(self, x: Any) -> Any:
        if x.sum() > 0:
            return x * 2
        return x - 1


class Eigen(torch.nn.Module):
    """An op with no ONNX function (aten._linalg_eigh)."""

    def forward(self, x: Any) -> Any:
        return torch.linalg.eigvalsh(x.T @ x).unsqueeze(0).expand(x.shape[0], -1)


def module(cls: type, *args: Any) -> Any:
    torch.manual_seed(0)
    return cls(*args).eval()


def run(m: Any, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return m(torch.from_numpy(X)).numpy()


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z.astype(np.float64) - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classified(logits: np.ndarray, classes: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """What a classifier's bundle gives for these logits: the label (the class of the largest) and
    the probabilities (their softmax)."""
    best = logits.argmax(axis=1)
    return {"label": best if classes is None else classes[best], "probabilities": softmax(logits)}


def onnx_round_trip(
    tmp_path: Path, case: str, model_name: str, m: Any, example: Any, X_new: np.ndarray, truth: Any, **export: Any
) -> jinfer.Bundle:
    """``jinfer.export(m, example, **export)`` ends with one artifact, ONNX, which gives ``truth``
    on ``X_new`` through Java (export_and_check, recorded as the PyTorch family's ``case``)."""
    return export_and_check(
        case,
        "PyTorch",
        model_name,
        lambda: jinfer.export(m, example, tmp_path / f"{case}.jinfer", **export),
        X_new,
        truth,
        backends=["onnx"],
    )


def test_regression_with_one_output(tmp_path: Path) -> None:
    m = module(MLP, 6, 1)
    truth = {"prediction": run(m, X_NEW)[:, 0]}
    name = "nn.Module MLP, 1 output (regression)"
    b = onnx_round_trip(tmp_path, "torch-mlp-regression", name, m, torch.from_numpy(X), X_NEW, truth)
    (spec,) = b.manifest.outputs
    assert (spec.name, spec.dtype, spec.shape) == ("prediction", "float32", (-1,))
    assert b.manifest.inputs[0].name == "features" and b.manifest.inputs[0].shape == (-1, 6)
    assert b.manifest.artifacts[0].details["converter"].startswith("torch.onnx.export")


def test_regression_with_several_outputs(tmp_path: Path) -> None:
    m = module(MLP, 6, 2)
    truth = {"prediction": run(m, X_NEW)}
    b = onnx_round_trip(tmp_path, "torch-mlp-regression-2", "nn.Module MLP, 2 outputs (regression)", m, X, X_NEW, truth)
    assert b.manifest.outputs[0].shape == (-1, 2)


def test_classifier_logits_give_label_and_probabilities(tmp_path: Path) -> None:
    m = module(MLP, 6, 3)
    truth = classified(run(m, X_NEW))
    name = "nn.Module MLP, logits (task='classification')"
    b = onnx_round_trip(tmp_path, "torch-mlp-classifier", name, m, X, X_NEW, truth, task="classification")
    assert b.manifest.task == "classification" and b.manifest.classes == (0, 1, 2)
    assert [(s.name, s.dtype, s.shape) for s in b.manifest.outputs] == [
        ("label", "int64", (-1,)),
        ("probabilities", "float32", (-1, 3)),
    ]


def test_named_classes(tmp_path: Path) -> None:
    m = module(MLP, 6, 3)
    names = np.array(["cat", "dog", "fish"])
    truth = classified(run(m, X_NEW), names)
    name = "nn.Module MLP, logits, classes=['cat','dog','fish']"
    b = onnx_round_trip(
        tmp_path, "torch-mlp-classifier-named", name, m, X, X_NEW, truth, task="classification", classes=list(names)
    )
    assert b.manifest.classes == ("cat", "dog", "fish") and b.manifest.outputs[0].dtype == "string"


def test_images_keep_their_shape_and_any_batch_size(tmp_path: Path) -> None:
    m = module(CNN)
    truth = classified(run(m, IMAGES_NEW))
    name = "nn.Module CNN on [n, 1, 8, 8] images, logits"
    b = onnx_round_trip(tmp_path, "torch-cnn-classifier", name, m, IMAGES, IMAGES_NEW, truth, task="classification")
    assert (b.manifest.inputs[0].name, b.manifest.inputs[0].shape) == ("input", (-1, 1, 8, 8))
    with jinfer.load(b.path) as j:
        for n in (1, 257):
            batch = RNG.normal(size=(n, 1, 8, 8)).astype(np.float32)
            out = j.predict(batch)
            assert out["probabilities"].shape == (n, 5)
            np.testing.assert_array_equal(out["label"], run(m, batch).argmax(axis=1))


def test_float64(tmp_path: Path) -> None:
    X64 = X_NEW.astype(np.float64)
    truth = {"prediction": run(module(MLP, 6, 2).double(), X64)}
    m = module(MLP, 6, 2)  # the same weights, still float32: export makes the float64 graph
    b = onnx_round_trip(
        tmp_path, "torch-mlp-regression-float64", "nn.Module MLP, float64", m, X, X64, truth, dtype="float64"
    )
    assert b.manifest.inputs[0].dtype == "float64"


@pytest.mark.filterwarnings("ignore::jinfer.ExportWarning")
def test_an_untraceable_module_names_the_reason(tmp_path: Path) -> None:
    m = DataDependent()
    with pytest.raises(
        jinfer.ParityError,
        match=r"data-dependent expression .*test_torch.py:\d+ in forward: "
        r"if x.sum\(\) > 0",
    ):
        jinfer.export(m, X, tmp_path / "dd.jinfer", formats=("onnx",))
    # by default the module itself is kept, as a python artifact, with the reason in the warning
    b = export_and_check(
        "torch-data-dependent",
        "PyTorch",
        "nn.Module with data-dependent control flow",
        lambda: jinfer.export(m, X, tmp_path / "dd.jinfer"),
        X_NEW,
        {"prediction": run(m, X_NEW)},
        backends=["python"],
        trust_python=True,
        dropped_reasons={"onnx": r"cannot export DataDependent: GuardOnDataDependentSymNode"},
    )
    assert b.manifest.artifacts[0].details["callable"] == "jinfer._torch:predict_outputs"


@pytest.mark.filterwarnings("ignore::jinfer.ExportWarning")
def test_an_op_without_onnx_function_is_named(tmp_path: Path) -> None:
    with pytest.raises(jinfer.ParityError, match=r"No ONNX function found for .*aten._linalg_eigh"):
        jinfer.export(Eigen(), X, tmp_path / "eig.jinfer", formats=("onnx",))


@pytest.mark.filterwarnings("ignore::jinfer.ExportWarning")
def test_without_onnxscript_the_message_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    with pytest.raises(jinfer.ParityError, match=r"pip install 'jinfer\[torch\]'"):
        jinfer.export(module(MLP), X, tmp_path / "x.jinfer", formats=("onnx",))


@pytest.mark.filterwarnings("ignore::jinfer.ExportWarning")
def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="logits"):
        jinfer.export(torch.nn.Unflatten(1, (2, 3)), X, tmp_path / "x.jinfer", task="classification")
    with pytest.raises(ValueError, match="3 given, but the module gives 2 logits"):
        jinfer.export(module(MLP, 6, 2), X, tmp_path / "x.jinfer", task="classification", classes=[0, 1, 2])
    with pytest.raises(TypeError, match="one tensor"):
        jinfer.export(module(MLP), (X, X), tmp_path / "x.jinfer")
    with pytest.raises(jinfer.ParityError, match="there is no PMML converter for PyTorch modules"):
        jinfer.export(module(MLP), X, tmp_path / "x.jinfer", formats=("pmml",))


def test_mlflow_pytorch_flavor(tmp_path: Path) -> None:
    pytest.importorskip("mlflow", reason="pip install 'jinfer[mlflow]'")
    import mlflow.pytorch
    from mlflow.models import infer_signature

    m = module(MLP, 6, 3)
    mlflow.pytorch.save_model(
        m,
        str(tmp_path / "torch-model"),
        signature=infer_signature(X, run(m, X)),
        input_example=X[:32],
        pip_requirements=["torch"],
    )
    b = export_and_check(
        "mlflow-pytorch",
        "MLflow",
        "pytorch flavor: nn.Module MLP, logits (task='classification')",
        lambda: jinfer.from_mlflow(tmp_path / "torch-model", tmp_path / "t.jinfer", task="classification"),
        X_NEW,
        classified(run(m, X_NEW)),
        backends=["onnx"],
    )
    assert b.manifest.producer["source"]["mlflow"]["flavor"] == "pytorch"
    assert b.manifest.artifacts[0].parity["rows"] == 32


class TwoHeads(torch.nn.Module):
    """An encoder with two heads, returned as a tuple (or, with ``named``, as a dict)."""

    def __init__(self, named: bool = False) -> None:
        super().__init__()
        self.named = named
        self.encode = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh())
        self.score = torch.nn.Linear(8, 1)

    def forward(self, x: Any) -> Any:
        e = self.encode(x)
        s = self.score(e).squeeze(1)
        return {"embedding": e, "risk score": s} if self.named else (e, s)


class Embedder(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encode = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))

    def forward(self, x: Any) -> Any:
        return torch.nn.functional.normalize(self.encode(x), dim=1)


def _check_any_batch(b: jinfer.Bundle, m: Any, names: list[str]) -> None:
    """The bundle's batch is dynamic: 1 row and 300 rows give the module's own outputs."""
    with jinfer.load(b.path) as j:
        for n in (1, 300):
            batch = RNG.normal(size=(n, 6)).astype(np.float32)
            out = j.predict(batch)
            with torch.no_grad():
                want = m(torch.from_numpy(batch))
            values = (
                list(want.values()) if isinstance(want, dict) else list(want) if isinstance(want, tuple) else [want]
            )
            for name, w in zip(names, values):
                np.testing.assert_allclose(out[name], w.numpy(), rtol=1e-5, atol=1e-6)


def test_a_multi_output_module_is_a_transform_with_an_output_each(tmp_path: Path) -> None:
    m = module(TwoHeads)
    with torch.no_grad():
        e, s = m(torch.from_numpy(X_NEW))
    truth = {"output_0": e.numpy(), "output_1": s.numpy()}
    b = onnx_round_trip(tmp_path, "torch-two-heads", "nn.Module returning a tuple (transform)", m, X, X_NEW, truth)
    assert b.manifest.task == "transform"
    assert [(o.name, o.shape, o.batch_dim) for o in b.manifest.outputs] == [
        ("output_0", (-1, 8), 0),
        ("output_1", (-1,), 0),
    ]
    _check_any_batch(b, m, ["output_0", "output_1"])


def test_a_dict_of_outputs_keeps_its_names(tmp_path: Path) -> None:
    m = module(TwoHeads, True)
    with torch.no_grad():
        want = m(torch.from_numpy(X_NEW))
    truth = {"embedding": want["embedding"].numpy(), "risk_score": want["risk score"].numpy()}
    b = onnx_round_trip(tmp_path, "torch-named-heads", "nn.Module returning a dict (transform)", m, X, X_NEW, truth)
    assert [o.name for o in b.manifest.outputs] == ["embedding", "risk_score"]  # made safe
    _check_any_batch(b, m, ["embedding", "risk_score"])


def test_an_embedding_model_as_prediction_or_as_a_named_transform(tmp_path: Path) -> None:
    m = module(Embedder)
    truth = run(m, X_NEW)
    pred = onnx_round_trip(tmp_path, "torch-embedder", "nn.Module embedding [n, 4]", m, X, X_NEW, {"prediction": truth})
    assert pred.manifest.task == "regression" and pred.manifest.outputs[0].shape == (-1, 4)
    named = onnx_round_trip(
        tmp_path,
        "torch-embedder-transform",
        "nn.Module embedding [n, 4] (task='transform')",
        m,
        X,
        X_NEW,
        {"output": truth},
        task="transform",
    )
    assert [(o.name, o.shape) for o in named.manifest.outputs] == [("output", (-1, 4))]
    _check_any_batch(named, m, ["output"])
    with pytest.raises(TypeError, match="returns 2 tensors"):
        jinfer.export(module(TwoHeads), X, tmp_path / "x.jinfer", task="regression")
