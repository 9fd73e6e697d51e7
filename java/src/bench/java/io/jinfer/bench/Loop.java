package io.jinfer.bench;

import io.jinfer.Model;
import io.jinfer.Tensor;

/**
 * Calls a model from Java, {@code n} times in a loop. {@code bench/run.py} uses it inside its
 * Python-hosted JVM to time the Python backend as a Java service calls it, with the one crossing
 * from Python into Java spread over {@code n} calls.
 */
public final class Loop {
    private Loop() {}

    /**
     * {@code model.predict(input)}, {@code n} times; returns the outputs counted, so nothing is
     * elided.
     */
    public static long predict(Model model, Tensor input, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += model.predict(input).size();
        }
        return sum;
    }
}
