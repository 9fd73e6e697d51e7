"""The REST anchor: scikit-learn models behind FastAPI + uvicorn, as a team would serve them.

    python bench/fastapi_server.py PORT NAME=MODEL.joblib|NAME=module:function ...

Binds 127.0.0.1 only. ``POST /predict/NAME`` takes ``{"rows": [[...], ...]}`` and returns
``{"label": [...], "probabilities": [[...], ...]}`` for a classifier, or the function's outputs
(``f({"features": X}) -> dict of arrays``) as lists; ``POST /table/NAME`` takes a table's rows
as records, ``{"rows": [{"column": value, ...}, ...]}``, for a model fitted on a DataFrame;
``GET /health`` answers once the models are loaded. ``bench/run.py`` starts it, sends a
bounded number of requests on one keep-alive connection, and stops it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import joblib
import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class Rows(BaseModel):
    rows: list[list[float]]


class Records(BaseModel):
    rows: list[dict[str, float | str]]


def make_app(models: dict[str, object]) -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, list[str]]:
        return {"models": sorted(models)}

    @app.post("/predict/{name}")
    def predict(name: str, body: Rows) -> dict[str, list[Any]]:
        model = models.get(name)
        if model is None:
            raise HTTPException(404, f"no model {name!r}")
        X = np.asarray(body.rows, dtype=np.float32)
        if callable(model):
            return {k: np.asarray(v).tolist() for k, v in model({"features": X}).items()}
        return _classified(model, X)

    @app.post("/table/{name}")
    def table(name: str, body: Records) -> dict[str, list[Any]]:
        model = models.get(name)
        if model is None or callable(model):
            raise HTTPException(404, f"no model {name!r} fitted on a table")
        return _classified(model, pd.DataFrame(body.rows))

    return app


def _classified(model: Any, X: Any) -> dict[str, list[Any]]:
    proba = model.predict_proba(X)
    label = model.classes_[proba.argmax(axis=1)]
    return {"label": label.tolist(), "probabilities": proba.tolist()}


def main(argv: list[str]) -> None:
    port = int(argv[0])
    models = {}
    for spec in argv[1:]:
        name, _, where = spec.partition("=")
        if ":" in where and not where.endswith(".joblib"):
            module, _, fn = where.partition(":")
            models[name] = getattr(importlib.import_module(module), fn)
        else:
            models[name] = joblib.load(where)
    # Keep-alive for longer than uvicorn's 5 s default: the client holds one connection across the
    # whole run, with pauses while other comparisons run.
    uvicorn.run(
        make_app(models), host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_keep_alive=600
    )


if __name__ == "__main__":
    main(sys.argv[1:])
