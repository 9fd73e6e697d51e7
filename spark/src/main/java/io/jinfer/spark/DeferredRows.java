package io.jinfer.spark;

import org.apache.spark.Dependency;
import org.apache.spark.OneToOneDependency;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

import scala.collection.Iterator;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

import java.util.ArrayList;
import java.util.List;

/**
 * A DataFrame's internal rows ({@code queryExecution().toRdd()}), planned when a job first asks for
 * the partitions rather than when the RDD is made. {@code toRdd()} runs at once the jobs of an
 * adaptive plan's shuffles and of a cached relation not yet built; made in {@link
 * JinferTransformer#transform} it would make {@code transform} eager.
 */
final class DeferredRows extends RDD<InternalRow> {
    private static final long serialVersionUID = 1L;

    private transient org.apache.spark.sql.classic.Dataset<Row> dataset; // until planned
    private RDD<InternalRow> rows; // once planned; shipped with the tasks

    DeferredRows(org.apache.spark.sql.classic.Dataset<Row> dataset) {
        super(
                dataset.sparkSession().sparkContext(),
                CollectionConverters.asScala(new ArrayList<Dependency<?>>()).toSeq(),
                ClassTag$.MODULE$.apply(InternalRow.class));
        this.dataset = dataset;
    }

    /** The rows of a classic (not Spark Connect) session's {@code dataset}. */
    static DeferredRows of(Dataset<Row> dataset) {
        if (!(dataset instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
            throw new IllegalArgumentException(
                    "JinferTransformer scores DataFrames of a classic Spark session; this one is a "
                            + dataset.getClass().getName()
                            + " (Spark Connect: use the SQL function, docs/spark.md)");
        }
        return new DeferredRows(classic);
    }

    private synchronized RDD<InternalRow> rows() {
        if (rows == null) {
            rows = dataset.queryExecution().toRdd();
            dataset = null;
        }
        return rows;
    }

    @Override
    public Partition[] getPartitions() {
        return rows().partitions();
    }

    @Override
    public Seq<Dependency<?>> getDependencies() {
        List<Dependency<?>> deps = new ArrayList<>();
        deps.add(new OneToOneDependency<>(rows()));
        return CollectionConverters.asScala(deps).toSeq();
    }

    @Override
    public Iterator<InternalRow> compute(Partition split, TaskContext context) {
        return rows().iterator(split, context);
    }

    @Override
    public Seq<String> getPreferredLocations(Partition split) {
        return rows().preferredLocations(split);
    }
}
