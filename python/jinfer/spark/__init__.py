"""jinfer on PySpark: score bundles in Spark's executor JVMs, with no Python worker.

    import jinfer.spark
    spark = jinfer.spark.session()                        # local[2], with jinfer's jars
    scored = jinfer.spark.transform(df, "churn.jinfer", input_col="features")
    stage = jinfer.spark.JinferTransformer(bundle="churn.jinfer", inputCol="features")
    jinfer.spark.register_udf(spark, "churn", "churn.jinfer")
    spark.sql("SELECT churn(features).probabilities FROM customers")
    # a Spark Connect client: the function's class, its bundle in the session's settings
    spark.conf.set("spark.jinfer.bundle", "churn.jinfer")
    spark.udf.registerJavaFunction("churn", "io.jinfer.spark.BundleFunction", jinfer.spark.return_type("churn.jinfer"))

Scoring runs in Java (``io.jinfer:jinfer-spark``, whose jar ships in this package): each
partition is predicted in batches through one model per executor JVM, so no row crosses into
Python and no Arrow batch is made. ``docs/spark.md`` says how to put the jars on a cluster.

Layer L4 (an entry point beside the CLI). Unlike ``import jinfer``, ``import jinfer.spark``
imports PySpark (``pip install 'jinfer[spark]'``): its classes are the bases of the wrapper.
"""

from .._optional import require

require("pyspark", "jinfer.spark", "spark")

from ._session import configure, jars, session  # noqa: E402  (after the check that names the extra)
from ._transformer import JinferTransformer, model_loads, register_udf, return_type, transform  # noqa: E402

__all__ = [
    "JinferTransformer",
    "configure",
    "jars",
    "model_loads",
    "register_udf",
    "return_type",
    "session",
    "transform",
]
