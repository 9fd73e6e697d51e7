package com.example;

import io.jinfer.InputException;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import java.nio.file.Path;

/** Loads a bundle exported from Python and predicts in-process: no REST hop, no Python. */
public final class ChurnService {
    private ChurnService() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println(
                    "usage: ChurnService BUNDLE   (gradle :java-service:run -Pbundle=PATH)");
            System.exit(2);
        }
        try (Model model = Models.load(Path.of(args[0]))) {
            System.out.println(
                    "loaded "
                            + model
                            + " inputs="
                            + model.inputs()
                            + " classes="
                            + model.manifest().classes());
            float[][] rows = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}};
            Predictions.print(model, rows);
            try {
                model.predict(Tensor.of(new float[][] {{1f, 2f}}));
            } catch (InputException e) {
                System.out.println("bad input is refused with " + e.code() + ": " + e.getMessage());
            }
        }
    }
}
