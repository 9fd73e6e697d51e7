/**
 * jinfer on Apache Spark: scores bundles in the executor JVMs. {@link
 * io.jinfer.spark.JinferTransformer} is a Spark ML {@code Transformer} that scores a DataFrame in
 * batches, through one {@link io.jinfer.Model} per executor JVM; {@link
 * io.jinfer.spark.JinferSpark#registerUdf} registers the same model as a row-at-a-time SQL
 * function. {@code docs/spark.md} tells how to put the jars on a cluster.
 *
 * <p><b>Layer:</b> client, on top of the public API (a separate artifact, {@code
 * io.jinfer:jinfer-spark}).
 *
 * <p><b>May import:</b> {@code io.jinfer}; Spark (provided by the cluster) and Hadoop's file system
 * API.
 */
package io.jinfer.spark;
