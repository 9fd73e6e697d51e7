package com.example;

import io.jinfer.JinferException;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.Npy;
import io.jinfer.npy.Npz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads a bundle, predicts the rows of a {@code .npy} file and writes the outputs to a {@code .npz}
 * file: {@code Predict BUNDLE INPUT.npy OUTPUT.npz}. A bundle that cannot be loaded here (a PMML
 * one without JPMML on the classpath) ends it with jinfer's message and exit code 2.
 */
public final class Predict {
    private Predict() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Predict BUNDLE INPUT.npy OUTPUT.npz");
            System.exit(2);
        }
        try (Model model = Models.load(Path.of(args[0]))) {
            Map<String, Tensor> out = model.predict(Npy.read(Path.of(args[1])));
            Npz.write(out, Path.of(args[2]));
            System.out.println("backend: " + model.backend());
        } catch (JinferException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
