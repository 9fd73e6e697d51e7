package io.jinfer.bench;

import io.jinfer.Model;
import io.jinfer.Tensor;

import java.util.Map;

/**
 * Calls a model from Java, {@code n} times in a loop. {@code bench/run.py} uses it inside its
 * Python-hosted JVM to time the Python backend as a Java service calls it, with the one crossing
 * from Python into Java spread over {@code n} calls.
 */
public final class Loop {
    private Loop() {}

    /**
     * {@code model.predict(inputs)}, {@code n} times; returns the outputs counted, so nothing is
     * elided.
     */
    public static long predict(Model model, Map<String, Tensor> inputs, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += model.predict(inputs).size();
        }
        return sum;
    }
}
