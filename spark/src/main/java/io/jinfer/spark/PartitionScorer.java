package io.jinfer.spark;

import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Model;
import io.jinfer.Tensor;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Scores one partition: rows are read into batches of {@link ScoringPlan#batchSize}, each batch is
 * one {@link Model#predict} call on the JVM's shared model, and every row comes out in order with
 * the output columns appended. A bad row (a null, an array of the wrong length) fails the task with
 * an {@link InputException} naming the partition and the row's offset in it, or, with the {@code
 * skip} policy, comes out with null outputs.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ScoringPlan plan;

    PartitionScorer(ScoringPlan plan) {
        this.plan = plan;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? -1 : task.partitionId();
        return new Scored(ModelCache.get(plan.bundle, plan.options), rows, partition);
    }

    /** The rows of one partition, scored a batch at a time as they are read. */
    private final class Scored implements Iterator<Row> {
        private final Model model;
        private final Iterator<Row> source;
        private final int partition;
        private final InputFeed.Batch[] feeds;
        private final Row[] rows;
        private final boolean[] bad;
        private final Object[][] results;
        private int size;
        private int next;
        private long offset; // rows of the partition read before this batch

        Scored(Model model, Iterator<Row> source, int partition) {
            this.model = model;
            this.source = source;
            this.partition = partition;
            int n = plan.batchSize;
            feeds = new InputFeed.Batch[plan.inputs.length];
            for (int i = 0; i < feeds.length; i++) {
                feeds[i] = plan.inputs[i].batch(n);
            }
            rows = new Row[n];
            bad = new boolean[n];
            results = new Object[n][];
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
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row in = rows[next];
            Object[] out = results[next];
            rows[next] = null;
            next++;
            int width = in.length();
            Object[] values = new Object[width + plan.outputs.length];
            for (int i = 0; i < width; i++) {
                values[i] = in.get(i);
            }
            if (out != null) {
                System.arraycopy(out, 0, values, width, out.length);
            }
            return RowFactory.create(values);
        }

        private void fill() {
            int good = 0;
            while (size < rows.length && source.hasNext()) {
                Row row = source.next();
                String problem = put(row, good);
                rows[size] = row;
                bad[size] = problem != null;
                results[size] = null;
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
        private String put(Row row, int slot) {
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
            OutputColumn.Values[] values = new OutputColumn.Values[plan.outputs.length];
            for (int k = 0; k < values.length; k++) {
                values[k] = plan.outputs[k].values(predicted.get(plan.outputs[k].output));
            }
            int g = 0;
            for (int r = 0; r < size && g < good; r++) {
                if (bad[r]) {
                    continue;
                }
                Object[] out = new Object[values.length];
                for (int k = 0; k < values.length; k++) {
                    out[k] = values[k].get(g);
                }
                results[r] = out;
                g++;
            }
        }

        /** The skip policy, after the model refused a batch: each row alone, refused ones null. */
        private void oneByOne() {
            for (int r = 0; r < size; r++) {
                if (bad[r]) {
                    continue;
                }
                put(rows[r], 0);
                try {
                    Map<String, Tensor> predicted = model.predict(tensors(1));
                    Object[] out = new Object[plan.outputs.length];
                    for (int k = 0; k < out.length; k++) {
                        out[k] =
                                plan.outputs[k]
                                        .values(predicted.get(plan.outputs[k].output))
                                        .get(0);
                    }
                    results[r] = out;
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
