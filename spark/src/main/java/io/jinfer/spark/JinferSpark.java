package io.jinfer.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;

/**
 * jinfer's Spark entry points beside {@link JinferTransformer}: a bundle as a SQL function, and the
 * model cache of this JVM.
 *
 * <pre>{@code
 * JinferSpark.registerUdf(spark, "churn", "hdfs:///models/churn.jinfer");
 * spark.sql("SELECT id, churn(features).probabilities FROM customers");
 * spark.sql("SELECT churn(named_struct('age', age, 'plan', plan)).label FROM customers");
 * }</pre>
 */
public final class JinferSpark {
    private JinferSpark() {}

    /**
     * Registers the bundle at {@code bundle} as the SQL function {@code name}, with the {@code
     * error} bad-row policy.
     *
     * @see #registerUdf(SparkSession, String, String, String)
     */
    public static UserDefinedFunction registerUdf(SparkSession spark, String name, String bundle) {
        return registerUdf(spark, name, bundle, "error");
    }

    /**
     * Registers the bundle at {@code bundle} (a local path or a Hadoop FileSystem URI) as the SQL
     * function {@code name}, row at a time, for SQL users and Spark Connect clients. Its argument
     * is the value of a one-input bundle's input (an array or ML Vector for {@code features}), or a
     * struct of the inputs by name; it returns a struct with one field per output. A null or
     * malformed argument fails the query ({@code onBadRow = "error"}) or gives a null result
     * ({@code "skip"}). The model is the JVM's shared one, loaded with one thread per call.
     *
     * @return the function, for the DataFrame API ({@code udf.apply(col("features"))})
     * @throws io.jinfer.BundleException if the bundle is missing or not a bundle
     */
    public static UserDefinedFunction registerUdf(
            SparkSession spark, String name, String bundle, String onBadRow) {
        if (!onBadRow.equals("error") && !onBadRow.equals("skip")) {
            throw new IllegalArgumentException(
                    "onBadRow: expected 'error' or 'skip', got '" + onBadRow + "'");
        }
        RowUdf udf = RowUdf.of(spark, bundle, onBadRow.equals("skip"));
        return spark.udf().register(name, functions.udf(udf, udf.returnType()));
    }

    /** How many models this JVM has loaded (each bundle once per load options, then cached). */
    public static long modelLoads() {
        return ModelCache.loads();
    }

    /** How many models this JVM holds. */
    public static int cachedModels() {
        return ModelCache.size();
    }

    /** Closes and forgets this JVM's models; the next task that needs one loads it again. */
    public static void clearModelCache() {
        ModelCache.clear();
    }
}
