"""The Spark suite's set-up: one local[2] session per pytest session, and the bundles it scores.

It runs in ``make test-spark`` (build/venv-spark, with pyspark); elsewhere each module skips,
saying so. PySpark is imported inside the fixtures, never at the top, for that reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bundles import make


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    import jinfer.spark

    session = jinfer.spark.session(
        conf={
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "3g",
        }
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make(tmp_path_factory.mktemp("spark-bundles"))
