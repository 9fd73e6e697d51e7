package io.jinfer.spark;

import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Model;
import io.jinfer.Tensor;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.types.StructType;

import scala.Function1;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Scores one partition: rows are read into batches of {@link ScoringPlan#batchSize}, each batch is
 * one {@link Model#predict} call on the JVM's shared model, and every row comes out in order with
 * the output columns appended. Rows stay Spark's internal rows both ways: the input columns are
 * read from them into the input buffers, and each row goes out as the input row joined to a row of
 * its outputs, which Spark copies into its own format before the next one. A bad row (a null, an
 * array of the wrong length) fails the task with an {@link InputException} naming the partition and
 * the row's offset in it, or, with the {@code skip} policy, comes out with null outputs.
 */
final class PartitionScorer implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final ScoringPlan plan;

    PartitionScorer(ScoringPlan plan) {
        this.plan = plan;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? -1 : task.partitionId();
        return new Scored(ModelCache.get(plan.bundle, plan.options), rows, partition);
    }

    /**
     * The scorer of a streaming DataFrame's partitions, whose external Rows it converts to internal
     * rows and back (a stream cannot hand out its internal rows as an RDD).
     */
    static final class OfRows implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        private final PartitionScorer scorer;
        private final StructType in;
        private final StructType out;

        OfRows(ScoringPlan plan, StructType in, StructType out) {
            this.scorer = new PartitionScorer(plan);
            this.in = in;
            this.out = out;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Function1<Object, Object> toInternal =
                    CatalystTypeConverters.createToCatalystConverter(in);
            Function1<Object, Object> toRow = CatalystTypeConverters.createToScalaConverter(out);
            Iterator<InternalRow> scored =
                    scorer.call(map(rows, r -> (InternalRow) toInternal.apply(r)));
            return map(scored, r -> (Row) toRow.apply(r));
        }

        private static <A, B> Iterator<B> map(Iterator<A> source, Function<A, B> f) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return source.hasNext();
                }

                @Override
                public B next() {
                    return f.apply(source.next());
                }
            };
        }
    }

    /** The rows of one partition, scored a batch at a time as they are read. */
    private final class Scored implements Iterator<InternalRow> {
        private final Model model;
        private final Iterator<InternalRow> source;
        private final int partition;
        private final InputFeed.Batch[] feeds;
        private final InternalRow[] rows;
        private final boolean[] bad;
        private final OutputColumn.Values[][] scoredBy; // per row: its batch's outputs, or null
        private final int[] at; // per row: its index in those outputs
        private final GenericInternalRow outputs; // reused row by row
        private final JoinedRow joined = new JoinedRow();
        private int size;
        private int next;
        private long offset; // rows of the partition read before this batch

        Scored(Model model, Iterator<InternalRow> source, int partition) {
            this.model = model;
            this.source = source;
            this.partition = partition;
            int n = plan.batchSize;
            feeds = new InputFeed.Batch[plan.inputs.length];
            for (int i = 0; i < feeds.length; i++) {
                feeds[i] = plan.inputs[i].batch(n);
            }
            rows = new InternalRow[n];
            bad = new boolean[n];
            scoredBy = new OutputColumn.Values[n][];
            at = new int[n];
            outputs = new GenericInternalRow(plan.outputs.length);
        }

        @Override
        public boolean hasNext() {
            if (next < size) {
                return true;
            }
            offset += size;
            size = 0;
            next = 0;
            fill();
            return size > 0;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InternalRow in = rows[next];
            OutputColumn.Values[] values = scoredBy[next];
            for (int k = 0; k < plan.outputs.length; k++) {
                outputs.update(k, values == null ? null : values[k].internal(at[next]));
            }
            rows[next] = null;
            scoredBy[next] = null;
            next++;
            return joined.apply(in, outputs);
        }

        private void fill() {
            int good = 0;
            while (size < rows.length && source.hasNext()) {
                InternalRow row = source.next(); // Spark may reuse it for the next: kept as a copy
                String problem = put(row, good);
                rows[size] = row.copy();
                bad[size] = problem != null;
                scoredBy[size] = null;
                if (problem != null && !plan.skipBadRows) {
                    throw badRow(offset + size, problem);
                }
                if (problem == null) {
                    good++;
                }
                size++;
            }
            if (good == 0) {
                return;
            }
            try {
                spread(model.predict(tensors(good)), good);
            } catch (InputException e) {
                if (!plan.skipBadRows) {
                    throw new InputException(
                            e.code(),
                            where(offset) + " to " + (offset + size - 1) + ": " + e.getMessage(),
                            e);
                }
                oneByOne();
            }
        }

        /** Writes a row into slot {@code slot} of every input; what is wrong with it, or null. */
        private String put(InternalRow row, int slot) {
            for (int i = 0; i < feeds.length; i++) {
                String problem = feeds[i].put(row, slot);
                if (problem != null) {
                    return problem
                            + "; input '"
                            + plan.inputs[i].input
                            + "' expects "
                            + plan.inputs[i].expected();
                }
            }
            return null;
        }

        private Map<String, Tensor> tensors(int n) {
            Map<String, Tensor> in = new HashMap<>();
            for (int i = 0; i < feeds.length; i++) {
                in.put(plan.inputs[i].input, feeds[i].tensor(n));
            }
            return in;
        }

        /** Hands a batch's outputs to the good rows of the batch, in order. */
        private void spread(Map<String, Tensor> predicted, int good) {
            OutputColumn.Values[] values = values(predicted);
            int g = 0;
            for (int r = 0; r < size && g < good; r++) {
                if (bad[r]) {
                    continue;
                }
                scoredBy[r] = values;
                at[r] = g++;
            }
        }

        private OutputColumn.Values[] values(Map<String, Tensor> predicted) {
            OutputColumn.Values[] values = new OutputColumn.Values[plan.outputs.length];
            for (int k = 0; k < values.length; k++) {
                values[k] = plan.outputs[k].values(predicted.get(plan.outputs[k].output));
            }
            return values;
        }

        /** The skip policy, after the model refused a batch: each row alone, refused ones null. */
        private void oneByOne() {
            for (int r = 0; r < size; r++) {
                if (bad[r]) {
                    continue;
                }
                put(rows[r], 0);
                try {
                    scoredBy[r] = values(model.predict(tensors(1)));
                    at[r] = 0;
                } catch (InputException e) {
                    bad[r] = true;
                }
            }
        }

        private String where(long row) {
            return "partition " + partition + ", row " + row;
        }

        private InputException badRow(long row, String problem) {
            return new InputException(
                    ErrorCode.INVALID_VALUE,
                    where(row)
                            + " (offset in the partition): "
                            + problem
                            + ". Fix the row, or set onBadRow to 'skip' to give such rows null"
                            + " outputs");
        }
    }
}
