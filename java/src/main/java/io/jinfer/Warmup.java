package io.jinfer;

import io.jinfer.npy.ParitySample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm-up {@link Models#load} runs before it returns ({@link LoadOptions.Builder#warmup(int)}):
 * predictions on the bundle's parity sample, so that the JIT compiles the call path before the
 * user's first call rather than during the user's first thousands (docs/decisions.md, "Warm
 * start").
 */
final class Warmup {
    /**
     * The time after which the warm-up makes no more calls, whatever their number: a model whose
     * own work takes milliseconds a row (the python backend on a forest) gains little from the JIT,
     * and its load stays short.
     */
    static final long BUDGET_NANOS = 1_000_000_000L;

    private Warmup() {}

    /**
     * Warms {@code model} up with {@code calls} predictions on the parity sample of {@code bundle};
     * for a bundle without one, on a row of zeros when every input is batched, numeric and of fixed
     * inner dimensions (else not at all: no string, size or free dimension is safe to make up). A
     * made-up row that the model refuses or fails on ends the warm-up quietly: it says nothing
     * about the bundle.
     *
     * @throws RuntimeException what a call on the bundle's own sample threw
     */
    static void run(Model model, Bundle bundle, int calls) {
        Map<String, Tensor> sample = ParitySample.inputs(bundle);
        if (!sample.isEmpty()) {
            run(model, sample, calls);
            return;
        }
        Map<String, Tensor> zeros = new LinkedHashMap<>();
        for (TensorSpec spec : model.inputs()) {
            if (spec.dtype() == DType.STRING || !spec.isBatched() || !spec.hasFixedInnerDims()) {
                return;
            }
            zeros.put(spec.name(), Tensor.zeros(spec.dtype(), spec.concreteShape(1)));
        }
        try {
            run(model, zeros, calls);
        } catch (JinferException e) {
            // the model refused or failed on inputs jinfer made up: no warm-up, and no verdict
        }
    }

    /**
     * {@code calls} predictions: {@code sample} as one batch, then its rows one at a time (over
     * again until the calls are made), since a service's calls are mostly of a few rows. When an
     * input is not batched along its first dimension, every call takes the whole sample. A call
     * refused for a value ({@code INVALID_VALUE}: NaN where this load does not allow it, a level
     * the model's options refuse), which a recorded sample may hold, does not count, and a refused
     * row is not tried again. Stops early once {@link #BUDGET_NANOS} have passed.
     *
     * @throws RuntimeException what the first failing call threw, for any other reason
     */
    private static void run(Model model, Map<String, Tensor> sample, int calls) {
        long start = System.nanoTime();
        List<Map<String, Tensor>> rows = new ArrayList<>(rowsOf(sample, model.inputs()));
        int made = accepted(model, sample) ? 1 : 0;
        int next = 0;
        while (made < calls && !rows.isEmpty() && System.nanoTime() - start < BUDGET_NANOS) {
            next %= rows.size();
            if (accepted(model, rows.get(next))) {
                made++;
                next++;
            } else {
                rows.remove(next);
            }
        }
    }

    /** One call; false when the model refuses a value of its inputs ({@code INVALID_VALUE}). */
    private static boolean accepted(Model model, Map<String, Tensor> inputs) {
        try {
            model.predict(inputs);
            return true;
        } catch (InputException e) {
            if (e.code() == ErrorCode.INVALID_VALUE) {
                return false;
            }
            throw e;
        }
    }

    /** The sample cut into rows of one, or the whole sample alone when it cannot be cut. */
    private static List<Map<String, Tensor>> rowsOf(
            Map<String, Tensor> sample, List<TensorSpec> specs) {
        long batch = -1;
        for (TensorSpec spec : specs) {
            Tensor t = sample.get(spec.name());
            if (t == null || spec.batchDim() != 0 || t.rank() == 0) {
                return Collections.singletonList(sample);
            }
            if (batch >= 0 && t.dim(0) != batch) {
                return Collections.singletonList(sample);
            }
            batch = t.dim(0);
        }
        if (batch < 1 || sample.size() != specs.size()) {
            return Collections.singletonList(sample);
        }
        long[] ones = new long[Math.toIntExact(batch)];
        Arrays.fill(ones, 1);
        return Rows.split(sample, ones);
    }
}
