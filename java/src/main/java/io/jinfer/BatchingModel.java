package io.jinfer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Model} that joins concurrent small calls into one backend call: micro-batching for
 * services where many request threads each predict a few rows.
 *
 * <pre>{@code
 * try (BatchingModel model =
 *         BatchingModel.wrap(Models.load(Path.of("churn.jinfer")), 64, Duration.ofMillis(2))) {
 *     // from any number of request threads at once:
 *     Map<String, Tensor> out = model.predict(Map.of("features", Tensor.of(oneRow)));
 * }
 * }</pre>
 *
 * <p>A call's inputs are checked in the caller's thread, as {@link Model#predict(Map)} checks them
 * ({@link InputException} at once, and nothing is queued). Then the call waits in a queue. One
 * daemon thread, {@code jinfer-batching-NAME-N}, takes the first waiting call, adds the calls
 * behind it until the rows reach {@code maxBatch} or {@code maxDelay} has passed since the first
 * one arrived, runs them as one batch, and hands each caller its own rows of every output (views of
 * the joined result, in the caller's row order). Calls are joined only when their inputs agree in
 * every dimension after the first; the dtypes already agree, since the check casts each input to
 * its spec's dtype. A call that holds {@code maxBatch} rows or more, or none, runs alone in the
 * caller's thread, so {@code maxBatch = 1} is the plain model.
 *
 * <p><b>Handling exceptions.</b> Errors stay with their caller. When a joined batch fails, each
 * call in it is run again alone, and each caller gets its own result or its own error: a bad row
 * (an unknown category, say) fails only the call that sent it, and its message counts rows within
 * that call. An error reaches the caller as the same exception an unbatched call would throw.
 *
 * <p><b>Closing.</b> {@link #close()} stops taking calls, runs the calls already queued (without
 * waiting for more), then closes the wrapped model. A call made after {@code close()}, or caught in
 * the middle of it, throws {@link JinferException} with {@link ErrorCode#MODEL_CLOSED}; no call is
 * left waiting.
 *
 * <p>Thread-safe. The wrapper owns the model it wraps: close the wrapper, not the model.
 */
public final class BatchingModel implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * A longer {@code maxDelay} is taken as this, so that deadlines in nanoseconds never overflow.
     */
    private static final Duration LONGEST = Duration.ofDays(365);

    private final Model model;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final InputChecker checker;
    private final boolean splittable;
    private final BlockingQueue<Call> queue = new LinkedBlockingQueue<>();
    private final Thread dispatcher;
    private final LongAdder calls = new LongAdder();
    private final LongAdder backendCalls = new LongAdder();
    private final LongAdder joinedCalls = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    /** Put on the queue by {@link #close()}: everything before it runs, nothing waits after it. */
    private final Call stop = new Call(Collections.emptyMap(), 0, 0);

    private volatile boolean closed;

    /**
     * How a batching model has run so far.
     *
     * @param calls the {@code predict} calls that reached the model (valid inputs)
     * @param backendCalls the backend calls made for them: joined batches, lone calls and re-runs
     * @param joinedCalls the calls that were answered from a joined batch of two or more
     * @param fallbacks the joined batches that failed and were re-run call by call
     */
    public record Stats(long calls, long backendCalls, long joinedCalls, long fallbacks) {}

    private BatchingModel(Model model, int maxBatch, Duration maxDelay) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxDelayNanos =
                maxDelay.compareTo(LONGEST) > 0 ? LONGEST.toNanos() : maxDelay.toNanos();
        this.checker = model.checker(); // the same rules as the model, NaN policy included
        this.splittable = hasBatchDimension(model.inputs()) && hasBatchDimension(model.outputs());
        this.dispatcher =
                new Thread(
                        this::dispatch,
                        "jinfer-batching-"
                                + model.manifest().name()
                                + "-"
                                + THREADS.incrementAndGet());
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /**
     * Wraps {@code model}, which the wrapper then owns and closes.
     *
     * @param maxBatch the most rows one backend call takes (1 disables joining)
     * @param maxDelay the longest the first call of a batch waits for others (zero joins only the
     *     calls already waiting; more than a year is taken as a year)
     * @throws IllegalArgumentException if {@code maxBatch < 1} or {@code maxDelay} is negative
     */
    public static BatchingModel wrap(Model model, int maxBatch, Duration maxDelay) {
        if (model == null || maxDelay == null) {
            throw new IllegalArgumentException("model and maxDelay must not be null");
        }
        if (maxBatch < 1 || maxDelay.isNegative()) {
            throw new IllegalArgumentException(
                    "maxBatch must be at least 1 and maxDelay not negative; got maxBatch="
                            + maxBatch
                            + ", maxDelay="
                            + maxDelay);
        }
        return new BatchingModel(model, maxBatch, maxDelay);
    }

    /** The wrapped model (its specs, manifest and backend); predict through the wrapper. */
    public Model model() {
        return model;
    }

    /** The input specs, in order. */
    public List<TensorSpec> inputs() {
        return model.inputs();
    }

    /** The canonical output specs, in order. */
    public List<TensorSpec> outputs() {
        return model.outputs();
    }

    /** The most rows one backend call takes. */
    public int maxBatch() {
        return maxBatch;
    }

    /** The longest the first call of a batch waits for others. */
    public Duration maxDelay() {
        return Duration.ofNanos(maxDelayNanos);
    }

    /** The counts so far (each read on its own, so a snapshot taken under load is approximate). */
    public Stats stats() {
        return new Stats(calls.sum(), backendCalls.sum(), joinedCalls.sum(), fallbacks.sum());
    }

    /** The calls waiting for the dispatcher now. */
    public int pending() {
        return queue.size();
    }

    /**
     * Runs one call's rows, joined with other callers' rows when they come together.
     *
     * @param inputs one tensor per input spec, by name
     * @return this call's outputs by name, in spec order, with this call's rows only
     * @throws InputException if the inputs do not fit the specs, or a value of this call is bad
     * @throws BackendException if the runtime fails on this call's rows
     * @throws JinferException with {@link ErrorCode#MODEL_CLOSED} if the model is closed
     */
    public Map<String, Tensor> predict(Map<String, Tensor> inputs) {
        checkClosed();
        InputChecker.Checked checked = checker.check(inputs);
        if (!splittable || checked.batch() == 0 || checked.batch() >= maxBatch) {
            calls.increment();
            return runAlone(checked.inputs());
        }
        Call call = new Call(checked.inputs(), checked.batch(), System.nanoTime());
        queue.add(call);
        calls.increment(); // after the add: stats() counts no call the queue has not seen
        if (closed && queue.remove(call)) { // close() came between the check and the add
            throw closedError(null);
        }
        return call.await();
    }

    /**
     * Runs one call of a single-input model.
     *
     * @throws InputException if the model takes more than one input, or the input does not fit
     */
    public Map<String, Tensor> predict(Tensor input) {
        List<TensorSpec> specs = model.inputs();
        if (specs.size() != 1) {
            return model.predict(input); // throws the plain model's error, naming the inputs
        }
        return predict(Collections.singletonMap(specs.get(0).name(), input));
    }

    /**
     * Stops taking calls, runs the ones already queued, stops the dispatcher thread and closes the
     * wrapped model. Idempotent.
     */
    @Override
    public void close() {
        synchronized (queue) {
            if (!closed) {
                closed = true;
                queue.add(stop);
            }
        }
        boolean interrupted = false;
        while (dispatcher.isAlive()) {
            try {
                dispatcher.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        model.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "BatchingModel("
                + model
                + ", maxBatch="
                + maxBatch
                + ", maxDelay="
                + maxDelay()
                + ")";
    }

    // ---------------------------------------------------------------- the dispatcher thread

    private void dispatch() {
        Call carried = null; // taken from the queue but not joinable with the batch before it
        boolean stopping = false;
        try {
            while (true) {
                Call first = carried != null ? carried : stopping ? queue.poll() : take();
                carried = null;
                if (first == null) {
                    return; // stopping, and nothing is left
                }
                if (first == stop) {
                    stopping = true;
                    continue;
                }
                List<Call> batch = new ArrayList<>();
                batch.add(first);
                long rows = first.rows;
                while (rows < maxBatch) {
                    Call next = queue.poll();
                    if (next == null && !stopping) {
                        next = poll(first.arrived + maxDelayNanos - System.nanoTime());
                    }
                    if (next == null) {
                        break;
                    }
                    if (next == stop) {
                        stopping = true;
                        continue;
                    }
                    if (rows + next.rows > maxBatch || !joinable(first, next)) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    rows += next.rows;
                }
                try {
                    run(batch);
                } catch (Error e) { // the dispatcher dies: its batch must not wait forever
                    for (Call call : batch) {
                        call.result.completeExceptionally(e);
                    }
                    throw e;
                }
            }
        } finally { // only an Error gets here with calls left: fail them rather than leave them
            failAll(carried);
        }
    }

    private Call take() {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            return stop;
        }
    }

    private Call poll(long nanos) {
        if (nanos <= 0) {
            return null;
        }
        try {
            return queue.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return stop;
        }
    }

    private void run(List<Call> batch) {
        if (batch.size() == 1) {
            batch.get(0).answerAlone();
            return;
        }
        List<Map<String, Tensor>> parts;
        try {
            List<Map<String, Tensor>> inputs = new ArrayList<>(batch.size());
            long[] rows = new long[batch.size()];
            for (int i = 0; i < rows.length; i++) {
                inputs.add(batch.get(i).inputs);
                rows[i] = batch.get(i).rows;
            }
            backendCalls.increment();
            parts = Rows.split(model.predict(Rows.concat(inputs, model.inputs())), rows);
        } catch (RuntimeException | OutOfMemoryError e) { // one call's rows may be at fault
            fallbacks.increment();
            for (Call call : batch) {
                call.answerAlone();
            }
            return;
        }
        joinedCalls.add(batch.size());
        for (int i = 0; i < parts.size(); i++) {
            batch.get(i).result.complete(parts.get(i));
        }
    }

    private void failAll(Call carried) {
        closed = true;
        JinferException error = closedError(null);
        if (carried != null && carried != stop) {
            carried.result.completeExceptionally(error);
        }
        for (Call call; (call = queue.poll()) != null; ) {
            call.result.completeExceptionally(error);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Runs checked inputs through the wrapped model, as one backend call of their own. */
    private Map<String, Tensor> runAlone(Map<String, Tensor> inputs) {
        backendCalls.increment();
        try {
            return model.predict(inputs);
        } catch (IllegalStateException e) { // the wrapped model was closed under us
            throw closedError(e);
        }
    }

    private static boolean joinable(Call a, Call b) {
        for (Map.Entry<String, Tensor> e : a.inputs.entrySet()) {
            Tensor x = e.getValue();
            Tensor y = b.inputs.get(e.getKey());
            if (x.dtype() != y.dtype()) {
                return false;
            }
            for (int d = 1; d < x.rank(); d++) {
                if (x.dim(d) != y.dim(d)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean hasBatchDimension(List<TensorSpec> specs) {
        for (TensorSpec spec : specs) {
            if (spec.rank() == 0) {
                return false;
            }
        }
        return true;
    }

    private void checkClosed() {
        if (closed) {
            throw closedError(null);
        }
    }

    private JinferException closedError(Throwable cause) {
        return new JinferException(
                ErrorCode.MODEL_CLOSED, "model " + model.manifest().name() + " is closed", cause);
    }

    /** One caller's checked inputs, waiting for the dispatcher. */
    private final class Call {
        final Map<String, Tensor> inputs;
        final long rows;
        final long arrived;
        final CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();

        Call(Map<String, Tensor> inputs, long rows, long arrived) {
            this.inputs = inputs;
            this.rows = rows;
            this.arrived = arrived;
        }

        /** Answers this call with its own backend call: its result, or its own error. */
        void answerAlone() {
            try {
                result.complete(runAlone(inputs));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }

        /** Waits for the answer; throws the call's own exception as an unbatched call would. */
        Map<String, Tensor> await() {
            try {
                return result.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }
    }
}
