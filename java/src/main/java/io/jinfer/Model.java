package io.jinfer;

import io.jinfer.spi.BackendSession;
import io.jinfer.spi.NamedTensors;
import io.jinfer.spi.OutputBuffers;

import java.lang.ref.Cleaner;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded model: one artifact of a bundle, running in one backend. Thread-safe; close it when done
 * to free the runtime's native memory.
 *
 * <pre>{@code
 * try (Model model = Models.load(Path.of("churn.jinfer"))) {
 *     Map<String, Tensor> out = model.predict(Map.of("features", Tensor.of(rows)));
 *     long[] labels = out.get("label").toLongArray();
 *     float[][] p = out.get("probabilities").toFloatMatrix();   // columns in manifest().classes() order
 * }
 * }</pre>
 *
 * <p>Inputs are checked before the backend sees them: an unknown or missing name, a dtype that
 * cannot be cast safely, a wrong rank, a wrong fixed dimension, or batched inputs of different
 * batch sizes throw {@link InputException}, and the model stays usable (inputs without a batch
 * dimension, such as a shape, keep their own size). Safe casts (int32 to float64, float32 to
 * float64...) are made silently. A NaN or an infinity in a floating input is refused ({@link
 * ErrorCode#INVALID_VALUE}, naming the input and the row), as scikit-learn refuses them, unless the
 * model was loaded with {@link LoadOptions.Builder#allowNonFinite(boolean)}. An empty batch returns
 * empty outputs. The model keeps no reference to an input after {@code predict} returns.
 *
 * <p>{@code predict} returns outputs in fresh buffers, valid as long as they are held. {@link
 * #run(Map)} returns them in a {@link Prediction} whose buffers the model reuses once it is closed:
 * the path for loops and services at large batches, where fresh direct buffers pile up until the
 * collector runs.
 *
 * <p>Thread-safe: any number of threads may call {@code predict} on one model at once, and {@link
 * #close()} waits for the calls in flight. A model that becomes unreachable without {@code close()}
 * is closed when the collector finds it, but the runtime's native memory is invisible to the
 * collector, so close models when done.
 *
 * <h2>Handling exceptions</h2>
 *
 * <p>Which exception means what, as JPMML's {@code Evaluator} puts it:
 *
 * <ul>
 *   <li>{@link InputException}: this call's inputs are wrong (a name, dtype, rank, shape, or a
 *       value such as NaN). Skip or fix this input; the model is fine and keeps serving.
 *   <li>{@link BackendException}: the runtime failed on this batch ({@code BACKEND_FAILURE}). The
 *       model stays usable, but a repeated failure on good inputs means the artifact or the runtime
 *       is broken here: retire the model.
 *   <li>{@link BundleException} (from {@link Models#load}): the file is damaged, tampered with or
 *       unsupported. Nothing was loaded; never retry the same file.
 *   <li>{@link IllegalStateException}: the model is closed. A programming error of the caller.
 *   <li>Any other exception, or an {@link Error}, is a defect of jinfer or of a runtime: retire the
 *       model and report it.
 * </ul>
 */
public final class Model implements AutoCloseable {
    /** Closes the sessions of models that were dropped without {@link #close()}. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final Manifest manifest;
    private final Manifest.Artifact artifact;
    private final BackendSession session;
    private final InputChecker checker;
    private final TensorSpec[] outputSpecs;
    private final String[] outputNames;
    // whether an empty batch's outputs follow from the specs alone (else the backend runs it)
    private final boolean emptyIsKnown;
    private final CallsInFlight inFlight = new CallsInFlight();
    private final Object closing = new Object();
    private final Cleaner.Cleanable cleanable;
    private final OutputPool pool = new OutputPool();
    private volatile boolean closed;

    Model(
            Manifest manifest,
            Manifest.Artifact artifact,
            BackendSession session,
            LoadOptions options) {
        this.manifest = manifest;
        this.artifact = artifact;
        this.session = session;
        this.checker = new InputChecker(manifest.inputs(), options.allowNonFinite());
        this.outputSpecs = manifest.outputs().toArray(new TensorSpec[0]);
        this.outputNames = manifest.outputs().stream().map(TensorSpec::name).toArray(String[]::new);
        this.emptyIsKnown =
                manifest.outputs().stream().allMatch(s -> s.isBatched() && s.hasFixedInnerDims());
        this.cleanable = CLEANER.register(this, new Release(session));
    }

    /**
     * Closes a session, once; it holds no reference to its model, so the model can be collected.
     */
    private static final class Release implements Runnable {
        private final BackendSession session;

        Release(BackendSession session) {
            this.session = session;
        }

        @Override
        public void run() {
            session.close();
        }
    }

    /** The input specs, in order. */
    public List<TensorSpec> inputs() {
        return manifest.inputs();
    }

    /** The canonical output specs, in order. */
    public List<TensorSpec> outputs() {
        return manifest.outputs();
    }

    /** This model's idle output buffers, for tests. */
    OutputPool pool() {
        return pool;
    }

    /** The manifest of the bundle (or live object) this model was loaded from. */
    public Manifest manifest() {
        return manifest;
    }

    /** The backend running this model, e.g. {@code "onnx"}. */
    public String backend() {
        return artifact.backend();
    }

    /** The artifact this model runs. */
    public Manifest.Artifact artifact() {
        return artifact;
    }

    /** This model's input check (its specs and its non-finite rule), for {@link BatchingModel}. */
    InputChecker checker() {
        return checker;
    }

    /**
     * Runs one batch.
     *
     * @param inputs one tensor per input spec, by name
     * @return the canonical outputs by name, in spec order
     * @throws InputException if the inputs do not fit the specs, or hold NaN or an infinity where
     *     the model does not allow them (the model stays usable)
     * @throws BackendException if the runtime fails
     * @throws IllegalStateException if the model is closed
     */
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        return call(inputs, OutputBuffers.FRESH);
    }

    /**
     * Runs one batch into output buffers this model reuses: the fast path for a loop or a service
     * at large batches. The outputs are those {@link #predict(Map)} returns, readable until the
     * {@link Prediction} is closed.
     *
     * <pre>{@code
     * try (Prediction p = model.run(Map.of("features", x))) {
     *     float[][] proba = p.get("probabilities").toFloatMatrix();
     * }
     * }</pre>
     *
     * @throws InputException if the inputs do not fit the specs (the model stays usable)
     * @throws BackendException if the runtime fails
     * @throws IllegalStateException if the model is closed
     */
    public Prediction run(Map<String, Tensor> inputs) {
        OutputPool.Lease lease = pool.lease();
        try {
            return new Prediction(call(inputs, lease), lease);
        } catch (RuntimeException e) {
            lease.release();
            throw e;
        }
    }

    /** {@link #run(Map)} for a single-input model, as {@link #predict(Tensor)} is. */
    public Prediction run(Tensor input) {
        return run(single(input));
    }

    private Map<String, Tensor> call(Map<String, Tensor> inputs, OutputBuffers buffers) {
        int slot = inFlight.enter();
        try {
            checkClosed();
            InputChecker.Checked checked = checker.check(inputs);
            if (checked.batch() == 0 && emptyIsKnown) {
                return emptyOutputs();
            }
            Map<String, Tensor> out;
            try {
                out = session.run(checked.inputs(), checked.batch(), buffers);
            } catch (JinferException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new BackendException(
                        ErrorCode.BACKEND_FAILURE,
                        backend() + " backend failed on a batch of " + checked.batch() + ": " + e,
                        e);
            }
            return checkOutputs(out, checked.batch());
        } finally {
            inFlight.exit(slot);
        }
    }

    /**
     * Runs one batch of a single-input model.
     *
     * @throws InputException if the model takes more than one input, or the input does not fit
     */
    public Map<String, Tensor> predict(Tensor input) {
        return predict(single(input));
    }

    private Map<String, Tensor> single(Tensor input) {
        List<TensorSpec> specs = inputs();
        if (specs.size() != 1) {
            throw new InputException(
                    ErrorCode.MISSING_INPUT,
                    "predict(Tensor) needs a single-input model; this one takes "
                            + specs.size()
                            + " inputs "
                            + specs
                            + "; use predict(Map) or run(Map)");
        }
        return Collections.singletonMap(specs.get(0).name(), input);
    }

    private Map<String, Tensor> emptyOutputs() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec spec : outputs()) {
            out.put(spec.name(), Tensor.zeros(spec.dtype(), spec.concreteShape(0)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The backend's outputs checked against the specs: a map in spec order, unmodifiable. */
    private Map<String, Tensor> checkOutputs(Map<String, Tensor> out, long batch) {
        Tensor[] tensors = new Tensor[outputSpecs.length];
        for (int i = 0; i < outputSpecs.length; i++) {
            TensorSpec spec = outputSpecs[i];
            Tensor t = out.get(spec.name());
            if (t == null
                    || t.dtype() != spec.dtype()
                    || t.rank() != spec.rank()
                    || (spec.isBatched() && batch >= 0 && t.dim(spec.batchDim()) != batch)) {
                throw new BackendException(
                        ErrorCode.BACKEND_FAILURE,
                        backend()
                                + " backend returned "
                                + (t == null
                                        ? "no output '" + spec.name() + "'"
                                        : "output '" + spec.name() + "' as " + t)
                                + " but the manifest declares "
                                + spec.dtype()
                                + " "
                                + Tensor.shapeString(spec.concreteShape(batch)));
            }
            tensors[i] = t;
        }
        return new NamedTensors(outputNames, tensors);
    }

    /** The calls running now (for tests). */
    int callsInFlight() {
        return inFlight.count();
    }

    private void checkClosed() {
        if (closed) {
            throw new IllegalStateException("model " + manifest.name() + " is closed");
        }
    }

    /**
     * Frees the backend's resources; waits for calls in progress, and later calls throw {@link
     * IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (closing) {
            if (!closed) {
                closed = true; // later calls see it and leave (CallsInFlight)
                inFlight.awaitNone();
                cleanable.clean();
            }
        }
    }

    @Override
    public String toString() {
        return "Model("
                + manifest.name()
                + " "
                + manifest.version()
                + ", backend="
                + backend()
                + ")";
    }
}
