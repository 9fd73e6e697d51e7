package com.example;

import io.jinfer.Model;
import io.jinfer.Tensor;

import java.util.Arrays;
import java.util.Map;

/** What both example services print: each row with the class it is given and the probabilities. */
final class Predictions {
    private Predictions() {}

    /** Predicts {@code rows} in one call and prints a line per row. */
    static void print(Model model, float[][] rows) {
        Map<String, Tensor> out = model.predict(Tensor.of(rows));
        long[] labels = out.get("label").toLongArray();
        float[][] p = out.get("probabilities").toFloatMatrix();
        for (int i = 0; i < rows.length; i++) {
            System.out.println(
                    Arrays.toString(rows[i])
                            + " -> class "
                            + labels[i]
                            + " p="
                            + Arrays.toString(p[i]));
        }
    }
}
