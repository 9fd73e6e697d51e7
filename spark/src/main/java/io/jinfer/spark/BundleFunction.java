package io.jinfer.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;

/**
 * A bundle's SQL function as a class with a no-argument constructor, for {@code
 * spark.udf.registerJavaFunction}: the way a Spark Connect client, which has no JVM of its own,
 * registers one. The bundle is the one the session's {@code spark.jinfer.bundle} names when the
 * function is registered (the constructor runs then, in the server's driver), and the bad-row
 * policy {@code spark.jinfer.onBadRow} ({@code error} by default, or {@code skip}). Spark needs the
 * return type spelled out: {@code jinfer.spark.return_type(bundle)} gives it.
 *
 * <pre>{@code
 * spark.conf.set("spark.jinfer.bundle", "hdfs:///models/churn.jinfer")
 * spark.udf.registerJavaFunction("churn", "io.jinfer.spark.BundleFunction",
 *                                jinfer.spark.return_type("churn.jinfer"))
 * }</pre>
 *
 * <p>It is the function {@link JinferSpark#registerUdf} registers, with the same argument, result
 * and model cache.
 */
public final class BundleFunction implements UDF1<Object, Row> {
    private static final long serialVersionUID = 1L;

    /** The session setting that names the bundle. */
    public static final String BUNDLE_CONF = "spark.jinfer.bundle";

    /** The session setting that names the bad-row policy. */
    public static final String POLICY_CONF = "spark.jinfer.onBadRow";

    private final RowUdf udf;

    /**
     * The function of the bundle that the active session's {@code spark.jinfer.bundle} names.
     *
     * @throws IllegalStateException if the setting is absent
     * @throws io.jinfer.BundleException if the bundle is missing or not a bundle
     */
    public BundleFunction() {
        SparkSession spark = SparkSession.active();
        String bundle = spark.conf().get(BUNDLE_CONF, "");
        if (bundle.isEmpty()) {
            throw new IllegalStateException(
                    "set "
                            + BUNDLE_CONF
                            + " to the bundle's location before registering "
                            + getClass().getName());
        }
        String policy = spark.conf().get(POLICY_CONF, "error");
        if (!policy.equals("error") && !policy.equals("skip")) {
            throw new IllegalArgumentException(
                    POLICY_CONF + ": expected 'error' or 'skip', got '" + policy + "'");
        }
        udf = RowUdf.of(spark, bundle, policy.equals("skip"));
    }

    @Override
    public Row call(Object arg) {
        return udf.call(arg);
    }
}
