package io.jinfer;

import io.jinfer.npy.ParitySample;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The warm-up {@link Models#load} runs before it returns ({@link LoadOptions.Builder#warmup(int)}):
 * predictions on the bundle's parity sample, so that the JIT compiles the call path before the
 * user's first call rather than during the user's first thousand (docs/decisions.md, "Warm start").
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
     * The inputs of the warm-up: the parity sample, or, for a bundle without one, a row of zeros
     * when every input is numeric with fixed inner dimensions; null when there is nothing to run.
     */
    static Map<String, Tensor> inputs(Bundle bundle, List<TensorSpec> specs) {
        Map<String, Tensor> sample = ParitySample.inputs(bundle);
        if (!sample.isEmpty()) {
            return sample;
        }
        Map<String, Tensor> zeros = new LinkedHashMap<>();
        for (TensorSpec spec : specs) {
            if (spec.dtype() == DType.STRING || !spec.hasFixedInnerDims()) {
                return null; // no value of a string or a free dimension is safe to make up
            }
            zeros.put(spec.name(), Tensor.zeros(spec.dtype(), spec.concreteShape(1)));
        }
        return zeros.isEmpty() ? null : zeros;
    }

    /**
     * Runs {@code calls} predictions: {@code sample} as one batch, then its rows one at a time
     * (over again until the calls are made), since a service's calls are mostly of a few rows. When
     * an input is not batched along its first dimension, every call takes the whole sample. Stops
     * early once {@link #BUDGET_NANOS} have passed.
     *
     * @throws RuntimeException what the first failing call threw
     */
    static void run(Model model, Map<String, Tensor> sample, int calls) {
        long start = System.nanoTime();
        List<Map<String, Tensor>> rows = rowsOf(sample, model.inputs());
        model.predict(sample);
        for (int i = 1; i < calls && System.nanoTime() - start < BUDGET_NANOS; i++) {
            model.predict(rows.get(i % rows.size()));
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
