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
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A JPMML evaluator behind a manifest's canonical names. PMML input fields are bound to input
 * tensors by name (one tensor per column) or to the columns of a 2-D input (by the manifest's
 * column names). A batch is evaluated in Java, row by row, spread over a pool of threads; the
 * outputs are written straight into the canonical tensors in the bundle's class order.
 */
final class PmmlSession implements BackendSession {
    /** Rows below which a batch is evaluated on the calling thread. */
    private static final int MIN_ROWS_PER_TASK = 64;

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
        this.pool =
                threads > 1
                        ? Executors.newFixedThreadPool(
                                threads,
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
        if (closed) {
            throw new IllegalStateException("PMML session is closed");
        }
        int n = Math.toIntExact(batch);
        Columns columns = new Columns(inputs);
        Outputs outputs = new Outputs(manifest, n);
        int tasks = pool == null ? 1 : Math.min(threads, Math.max(1, n / MIN_ROWS_PER_TASK));
        if (tasks <= 1) {
            evaluateRows(columns, outputs, 0, n);
        } else {
            List<Future<?>> futures = new ArrayList<>();
            int step = (n + tasks - 1) / tasks;
            for (int from = 0; from < n; from += step) {
                int start = from;
                int end = Math.min(n, from + step);
                futures.add(pool.submit(() -> evaluateRows(columns, outputs, start, end)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException) {
                        throw (RuntimeException) c;
                    }
                    throw new BackendException(
                            ErrorCode.BACKEND_FAILURE, "PMML evaluation failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackendException(
                            ErrorCode.BACKEND_FAILURE, "interrupted while evaluating PMML", e);
                }
            }
        }
        return outputs.tensors();
    }

    private void evaluateRows(Columns columns, Outputs outputs, int from, int to) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int row = from; row < to; row++) {
            arguments.clear();
            Map<String, ?> results;
            String field = null;
            try {
                for (Binding b : bindings) {
                    field = b.field().getName();
                    arguments.put(field, b.field().prepare(columns.value(b, row)));
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
            outputs.put(row, results, this);
        }
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

    TargetField target() {
        return target;
    }

    List<TargetField> targets() {
        return targets;
    }

    /** Input values by (binding, row), read from the tensors once per batch. */
    private static final class Columns {
        private final Map<String, Tensor> tensors;
        private final Map<String, String[]> strings = new HashMap<>();

        Columns(Map<String, Tensor> inputs) {
            this.tensors = inputs;
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
                if (e.getValue().isString()) {
                    strings.put(e.getKey(), e.getValue().toStringArray());
                }
            }
        }

        Object value(Binding b, int row) {
            long at = b.column() < 0 ? row : (long) row * b.width() + b.column();
            String[] s = strings.get(b.input());
            if (s != null) {
                return s[(int) at];
            }
            Tensor t = tensors.get(b.input());
            DType d = t.dtype();
            if (d == DType.FLOAT32 || d == DType.FLOAT64) {
                double v = t.getDouble(at);
                return Double.isNaN(v) ? null : v; // NaN is PMML's missing value
            }
            return d == DType.BOOL ? (Object) (t.getLong(at) != 0) : (Object) t.getLong(at);
        }
    }

    /** The canonical output tensors, written row by row (rows are disjoint across threads). */
    private static final class Outputs {
        private final Manifest manifest;
        private final int n;
        private final Map<String, ByteBuffer> buffers = new LinkedHashMap<>();
        private final Map<String, TensorSpec> specs = new LinkedHashMap<>();
        private final Map<String, String[]> labels = new HashMap<>();

        Outputs(Manifest manifest, int n) {
            this.manifest = manifest;
            this.n = n;
            for (TensorSpec s : manifest.outputs()) {
                specs.put(s.name(), s);
                long count = Tensor.elementCount(s.concreteShape(n));
                if (s.dtype() == DType.STRING) {
                    labels.put(s.name(), new String[(int) count]);
                } else {
                    buffers.put(
                            s.name(),
                            ByteBuffer.allocateDirect((int) count * s.dtype().byteSize())
                                    .order(ByteOrder.nativeOrder()));
                }
            }
        }

        void put(int row, Map<String, ?> results, PmmlSession session) {
            if ("classification".equals(manifest.task())) {
                Object result = results.get(session.target().getName());
                Object label = scored(EvaluatorUtil.decode(result), row);
                TensorSpec labelSpec = specs.get("label");
                if (labelSpec != null) {
                    if (labelSpec.dtype() == DType.STRING) {
                        labels.get("label")[row] = String.valueOf(label);
                    } else {
                        write(
                                "label",
                                labelSpec.dtype(),
                                row,
                                ((Number) toNumber(label)).doubleValue(),
                                toLong(label));
                    }
                }
                TensorSpec proba = specs.get("probabilities");
                if (proba != null) {
                    int k = (int) proba.concreteShape(n)[1];
                    for (int j = 0; j < k; j++) {
                        double p = session.probability(result, j, row);
                        write("probabilities", proba.dtype(), row * k + j, p, (long) p);
                    }
                }
            } else {
                TensorSpec pred = specs.get("prediction");
                List<TargetField> targets = session.targets();
                int t = targets.size();
                for (int j = 0; j < t; j++) {
                    Object v =
                            scored(
                                    EvaluatorUtil.decode(results.get(targets.get(j).getName())),
                                    row);
                    double d = ((Number) v).doubleValue();
                    write("prediction", pred.dtype(), row * t + j, d, (long) d);
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

        private void write(String name, DType dtype, int index, double d, long l) {
            ByteBuffer b = buffers.get(name);
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
            for (TensorSpec s : specs.values()) {
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
