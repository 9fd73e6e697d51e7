package io.jinfer.pmml;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.OutputBuffers;

import org.jpmml.evaluator.EvaluationException;
import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.EvaluatorUtil;
import org.jpmml.evaluator.HasProbability;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;
import org.jpmml.evaluator.TargetField;
import org.jpmml.model.MarkupException;
import org.jpmml.model.UnsupportedMarkupException;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JPMML evaluator behind a manifest's canonical names. PMML input fields are bound to input
 * tensors by name (one tensor per column) or to the columns of a 2-D input (by the manifest's
 * column names). A batch is evaluated in Java, row by row, spread over a pool of threads; the
 * outputs are written straight into the canonical tensors in the bundle's class order.
 */
final class PmmlSession implements BackendSession {
    /**
     * Rows a thread takes at a time from a batch: a batch of fewer is evaluated on the calling
     * thread alone, so one-row calls pay no hand-off.
     */
    private static final int ROWS_PER_CHUNK = 64;

    private final Evaluator evaluator;
    private final List<Binding> bindings;
    private final Manifest manifest;
    private final TargetField target;
    private final List<TargetField> targets;
    private final Object[] categories; // the target's categories in the manifest's class order
    private final ExecutorService pool;
    private final int threads;
    private volatile boolean closed;

    /**
     * One PMML input field and where its values come from.
     *
     * @param field the PMML field
     * @param input the manifest input that holds its values
     * @param column its column in that input, or -1 when the whole (1-D or [n,1]) tensor is this
     *     field
     * @param width the input's number of columns
     */
    private record Binding(InputField field, String input, int column, int width) {}

    private PmmlSession(
            Evaluator evaluator, List<Binding> bindings, Manifest manifest, int threads) {
        this.evaluator = evaluator;
        this.bindings = bindings;
        this.manifest = manifest;
        this.targets = new ArrayList<>(evaluator.getTargetFields());
        this.target = targets.isEmpty() ? null : targets.get(0);
        this.categories =
                "classification".equals(manifest.task()) ? categories(target, manifest) : null;
        this.threads = threads;
        this.pool = // the calling thread is one of the threads: the pool has the others
                threads > 1
                        ? Executors.newFixedThreadPool(
                                threads - 1,
                                r -> {
                                    Thread t = new Thread(r, "jinfer-pmml");
                                    t.setDaemon(true);
                                    return t;
                                })
                        : null;
    }

    static PmmlSession open(ArtifactContext ctx) {
        Manifest.Artifact artifact = ctx.artifact();
        byte[] xml = ctx.bytes();
        SafeXml.check(xml, artifact.path(), ctx.options().limits());
        Evaluator evaluator;
        try {
            evaluator =
                    new LoadingModelEvaluatorBuilder()
                            .setLocatable(false)
                            .load(new ByteArrayInputStream(xml))
                            .build();
            evaluator.verify();
        } catch (UnsupportedMarkupException e) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    artifact.path()
                            + " uses PMML that JPMML-Evaluator "
                            + "does not support: "
                            + e.getMessage(),
                    e);
        } catch (MarkupException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    artifact.path() + " is not valid PMML: " + e.getMessage(),
                    e);
        } catch (Exception e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT, artifact.path() + " cannot be read as PMML: " + e, e);
        } catch (
                StackOverflowError
                        e) { // JPMML's visitors recurse; the nesting bound is the first guard
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    artifact.path()
                            + " nests too deep for JPMML to read on this thread's stack; lower"
                            + " Limits.maxXmlDepth or simplify the model",
                    e);
        }
        if ("transform".equals(ctx.manifest().task())) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    "the pmml backend runs classifiers and regressors, " + "not transforms");
        }
        List<Binding> bindings = bind(evaluator, ctx.manifest(), artifact);
        int threads =
                ctx.options().intraOpThreads() > 0
                        ? ctx.options().intraOpThreads()
                        : Integer.parseInt(
                                ctx.options()
                                        .backendOptions()
                                        .getOrDefault(
                                                "pmml.threads",
                                                String.valueOf(
                                                        Runtime.getRuntime()
                                                                .availableProcessors())));
        return new PmmlSession(evaluator, bindings, ctx.manifest(), Math.max(1, threads));
    }

    private static List<Binding> bind(
            Evaluator evaluator, Manifest manifest, Manifest.Artifact artifact) {
        List<Binding> out = new ArrayList<>();
        for (InputField f : evaluator.getInputFields()) {
            String name = f.getName();
            TensorSpec byName = manifest.input(name);
            if (byName != null
                    && (byName.rank() == 1 || (byName.rank() == 2 && byName.shape()[1] == 1))) {
                out.add(new Binding(f, name, -1, 1));
                continue;
            }
            Binding found = null;
            for (TensorSpec s : manifest.inputs()) {
                if (s.rank() == 2 && s.columns() != null && s.columns().contains(name)) {
                    found = new Binding(f, s.name(), s.columns().indexOf(name), s.columns().size());
                    break;
                }
            }
            if (found == null) {
                throw new BundleException(
                        ErrorCode.INVALID_MANIFEST,
                        artifact.path()
                                + ": PMML input field '"
                                + name
                                + "' is neither an input of the manifest nor a column of one"
                                + " (inputs: "
                                + manifest.inputs()
                                + ")");
            }
            out.add(found);
        }
        return out;
    }

    private static Object[] categories(TargetField target, Manifest manifest) {
        if (target == null) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT, "the PMML classifier has no target field");
        }
        if (target.getCategories() == null) {
            // a clustering model's synthetic target: its values are the cluster ids themselves
            return manifest.classes().toArray();
        }
        Map<String, Object> byText = new HashMap<>();
        for (Object c : target.getCategories()) {
            byText.put(String.valueOf(c), c);
        }
        List<Object> classes = manifest.classes();
        Object[] out = new Object[classes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = byText.get(String.valueOf(classes.get(i)));
            if (out[i] == null) {
                throw new BundleException(
                        ErrorCode.INVALID_MANIFEST,
                        "class "
                                + classes.get(i)
                                + " of the manifest is not a category of the PMML target "
                                + target.getCategories());
            }
        }
        return out;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch) {
        return run(inputs, batch, OutputBuffers.FRESH);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch, OutputBuffers buffers) {
        if (closed) {
            throw new IllegalStateException("PMML session is closed");
        }
        int n = Math.toIntExact(batch);
        Batch work = new Batch(new Columns(bindings, inputs), new Outputs(this, n, buffers), n);
        int helpers = pool == null ? 0 : Math.min(threads - 1, work.chunks - 1);
        for (int i = 0; i < helpers; i++) {
            try {
                pool.execute(work::help);
            } catch (RejectedExecutionException e) {
                break; // the calling thread does the rest
            }
        }
        work.evaluate();
        work.finish();
        return work.outputs.tensors();
    }

    /**
     * One batch, evaluated in chunks of {@link #ROWS_PER_CHUNK} rows that the calling thread and
     * the pool's threads take in turn, so that a thread slowed by another process's load takes
     * fewer. On a failure, the row reported is the batch's first failing row, as when the rows are
     * evaluated one after another: a chunk after a known failing row is not started, and every
     * chunk before it is finished.
     */
    private final class Batch {
        final Columns columns;
        final Outputs outputs;
        final int n;
        final int chunks;
        private final AtomicInteger next = new AtomicInteger();
        private volatile int failedAt = Integer.MAX_VALUE;
        private RuntimeException failure; // guarded by this
        private int running; // helpers inside evaluate(), guarded by this
        private boolean finished; // guarded by this: no helper may start

        Batch(Columns columns, Outputs outputs, int n) {
            this.columns = columns;
            this.outputs = outputs;
            this.n = n;
            this.chunks = (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        }

        /** Takes chunks until none is left (or a failure ends the batch). */
        void evaluate() {
            Map<String, Object> arguments = new HashMap<>(2 * bindings.size());
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int from = c * ROWS_PER_CHUNK;
                int to = Math.min(n, from + ROWS_PER_CHUNK);
                for (int row = from; row < to; row++) {
                    if (row >= failedAt) {
                        return;
                    }
                    try {
                        evaluateRow(columns, outputs, row, arguments);
                    } catch (RuntimeException e) {
                        failed(row, e);
                        return;
                    }
                }
            }
        }

        /** A pool thread's share: nothing once the calling thread has finished the batch. */
        void help() {
            synchronized (this) {
                if (finished) {
                    return;
                }
                running++;
            }
            try {
                evaluate();
            } catch (Throwable e) { // an Error: the calling thread reports it
                failed(
                        -1,
                        new BackendException(
                                ErrorCode.BACKEND_FAILURE, "PMML evaluation failed: " + e, e));
            } finally {
                synchronized (this) {
                    if (--running == 0) {
                        notifyAll();
                    }
                }
            }
        }

        private synchronized void failed(int row, RuntimeException e) {
            int at = row < 0 ? -1 : row;
            if (failure == null || at < failedAt) {
                failure = e;
                failedAt = at;
            }
        }

        /**
         * Waits for the helpers that started (no input is read after {@code run} returns), then
         * throws the batch's failure, if any.
         */
        void finish() {
            boolean interrupted = false;
            RuntimeException e;
            synchronized (this) {
                finished = true;
                while (running > 0) {
                    try {
                        wait();
                    } catch (InterruptedException ie) {
                        interrupted = true;
                    }
                }
                e = failure;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (e != null) {
                throw e;
            }
        }
    }

    private void evaluateRow(
            Columns columns, Outputs outputs, int row, Map<String, Object> arguments) {
        Map<String, ?> results;
        String field = null;
        try {
            // every row puts every field: the map is reused, with no stale value left in it
            for (int i = 0; i < bindings.size(); i++) {
                InputField f = bindings.get(i).field();
                field = f.getName();
                arguments.put(field, f.prepare(columns.value(i, row)));
            }
            field = null;
            results = evaluator.evaluate(arguments);
        } catch (EvaluationException e) {
            throw new InputException(
                    ErrorCode.INVALID_VALUE,
                    "row "
                            + row
                            + (field != null ? ", field '" + field + "'" : "")
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (MarkupException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "the PMML model failed on row " + row + ": " + e.getMessage(),
                    e);
        }
        outputs.put(row, results);
    }

    double probability(Object result, int k, int row) {
        if (!(result instanceof HasProbability)) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE,
                    "the PMML target gives no probabilities (row " + row + ")");
        }
        Double p = ((HasProbability) result).getProbability(categories[k]);
        return p == null ? 0.0 : p;
    }

    /**
     * Input values by (binding, row): each binding's tensor (or its strings, read once per batch)
     * found once per batch, not once per value.
     */
    private static final class Columns {
        private final Tensor[] tensors;
        private final String[][] strings;
        private final int[] column;
        private final int[] width;

        Columns(List<Binding> bindings, Map<String, Tensor> inputs) {
            int k = bindings.size();
            tensors = new Tensor[k];
            strings = new String[k][];
            column = new int[k];
            width = new int[k];
            Map<String, String[]> read = new HashMap<>();
            for (int i = 0; i < k; i++) {
                Binding b = bindings.get(i);
                Tensor t = inputs.get(b.input());
                tensors[i] = t;
                if (t.isString()) {
                    strings[i] = read.computeIfAbsent(b.input(), name -> t.toStringArray());
                }
                column[i] = b.column();
                width[i] = b.width();
            }
        }

        Object value(int binding, int row) {
            long at = column[binding] < 0 ? row : (long) row * width[binding] + column[binding];
            String[] s = strings[binding];
            if (s != null) {
                return s[(int) at];
            }
            Tensor t = tensors[binding];
            DType d = t.dtype();
            if (d == DType.FLOAT32 || d == DType.FLOAT64) {
                double v = t.getDouble(at);
                return Double.isNaN(v) ? null : v; // NaN is PMML's missing value
            }
            return d == DType.BOOL ? (Object) (t.getLong(at) != 0) : (Object) t.getLong(at);
        }
    }

    /**
     * The canonical output tensors, written row by row (rows are disjoint across threads), into
     * buffers from the call's {@link OutputBuffers}: fresh for {@code predict}, the model's pool
     * for {@code run}.
     */
    private static final class Outputs {
        private final PmmlSession session;
        private final int n;
        private final Map<String, ByteBuffer> buffers = new LinkedHashMap<>();
        private final Map<String, String[]> labels = new HashMap<>();
        private final TensorSpec label; // classification: the label and probabilities, if declared
        private final String[] labelStrings;
        private final ByteBuffer labelBuffer;
        private final TensorSpec proba;
        private final ByteBuffer probaBuffer;
        private final int classes;
        private final TensorSpec prediction; // regression
        private final ByteBuffer predictionBuffer;
        private final String[] targetNames;

        Outputs(PmmlSession session, int n, OutputBuffers out) {
            this.session = session;
            this.n = n;
            Map<String, TensorSpec> specs = new HashMap<>();
            for (TensorSpec s : session.manifest.outputs()) {
                specs.put(s.name(), s);
                long count = Tensor.elementCount(s.concreteShape(n));
                if (s.dtype() == DType.STRING) {
                    labels.put(s.name(), new String[(int) count]);
                } else {
                    buffers.put(s.name(), out.take(Math.toIntExact(count * s.dtype().byteSize())));
                }
            }
            label = specs.get("label");
            labelStrings = labels.get("label");
            labelBuffer = buffers.get("label");
            proba = specs.get("probabilities");
            probaBuffer = buffers.get("probabilities");
            classes = proba == null ? 0 : (int) proba.concreteShape(n)[1];
            prediction = specs.get("prediction");
            predictionBuffer = buffers.get("prediction");
            List<TargetField> targets = session.targets;
            targetNames = new String[targets.size()];
            for (int j = 0; j < targetNames.length; j++) {
                targetNames[j] = targets.get(j).getName();
            }
        }

        void put(int row, Map<String, ?> results) {
            if (session.categories != null) {
                Object result = results.get(targetNames[0]);
                Object value = scored(EvaluatorUtil.decode(result), row);
                if (labelStrings != null) {
                    labelStrings[row] = String.valueOf(value);
                } else if (label != null) {
                    write(
                            labelBuffer,
                            "label",
                            label.dtype(),
                            row,
                            ((Number) toNumber(value)).doubleValue(),
                            toLong(value));
                }
                for (int j = 0; j < classes; j++) {
                    double p = session.probability(result, j, row);
                    write(
                            probaBuffer,
                            "probabilities",
                            proba.dtype(),
                            row * classes + j,
                            p,
                            (long) p);
                }
            } else {
                int t = targetNames.length;
                for (int j = 0; j < t; j++) {
                    Object v = scored(EvaluatorUtil.decode(results.get(targetNames[j])), row);
                    double d = ((Number) v).doubleValue();
                    write(
                            predictionBuffer,
                            "prediction",
                            prediction.dtype(),
                            row * t + j,
                            d,
                            (long) d);
                }
            }
        }

        /**
         * A target's value, or the refusal of the row: JPMML gives no value when a missing or
         * invalid input is one the model does not handle (a NaN let in by {@code allowNonFinite}).
         */
        private static Object scored(Object value, int row) {
            if (value == null) {
                throw new InputException(
                        ErrorCode.INVALID_VALUE,
                        "row "
                                + row
                                + ": the PMML model gives no prediction for it (an input value is"
                                + " missing, NaN or infinite, and the model does not handle it)");
            }
            return value;
        }

        private static Object toNumber(Object label) {
            return label instanceof Number ? label : Double.valueOf(String.valueOf(label));
        }

        private static long toLong(Object label) {
            return label instanceof Number
                    ? ((Number) label).longValue()
                    : Long.parseLong(String.valueOf(label));
        }

        private static void write(
                ByteBuffer b, String name, DType dtype, int index, double d, long l) {
            switch (dtype) {
                case FLOAT32:
                    b.putFloat(index * 4, (float) d);
                    break;
                case FLOAT64:
                    b.putDouble(index * 8, d);
                    break;
                case INT64:
                    b.putLong(index * 8, l);
                    break;
                case INT32:
                    b.putInt(index * 4, (int) l);
                    break;
                default:
                    throw new BackendException(
                            ErrorCode.BACKEND_FAILURE,
                            "output '"
                                    + name
                                    + "' of dtype "
                                    + dtype
                                    + " is not supported by the pmml backend");
            }
        }

        Map<String, Tensor> tensors() {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (TensorSpec s : session.manifest.outputs()) {
                long[] shape = s.concreteShape(n);
                out.put(
                        s.name(),
                        s.dtype() == DType.STRING
                                ? Tensor.ofStrings(labels.get(s.name()), shape)
                                : Tensor.wrap(buffers.get(s.name()), s.dtype(), shape));
            }
            return out;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }
}
