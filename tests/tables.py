"""Mixed-type tables for the PMML and ONNX tests: a string column and numbers, made here."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def table(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue"], n),
            "size": rng.normal(size=n),
            "weight": rng.normal(loc=10, scale=3, size=n),
        }
    )
    y = ((df["color"] == "red") ^ (df["size"] > 0)).to_numpy().astype(int)
    return df, y


@cache
def mixed(classifier: str = "logreg", handle_unknown: str = "ignore") -> Any:
    """ColumnTransformer(OneHotEncoder on the string column, StandardScaler on numbers) + a classifier."""
    df, y = table()
    clf = (
        LogisticRegression() if classifier == "logreg" else GradientBoostingClassifier(n_estimators=30, random_state=0)
    )
    ct = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(handle_unknown=handle_unknown), ["color"]),
            ("scale", StandardScaler(), ["size", "weight"]),
        ]
    )
    return Pipeline([("prep", ct), ("clf", clf)]).fit(df, y)
