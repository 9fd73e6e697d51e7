package io.jinfer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

/**
 * One process's time to its first prediction ({@code bench/startup.py} starts a fresh JVM per run):
 * {@code jinfer} is {@code Models.load(bundle)} and one {@code predict} ({@code jinfer-cold}: with
 * {@code LoadOptions.warmup(0)}, no warm-up at load); {@code raw} is ONNX Runtime Java's {@code
 * createSession} on the bundle's model.onnx and one {@code run}; {@code parts} is jinfer's load
 * taken apart in the order it pays for things (the bundle opened and its manifest read, ONNX
 * Runtime's environment, then the rest of the load, its warm-up included); {@code none} returns at
 * once (the JVM's own start). Prints one line of JSON with seconds.
 */
public final class FirstPrediction {
    private FirstPrediction() {}

    /**
     * {@code FirstPrediction MODE PATH FEATURES}.
     *
     * @param args the mode ({@code jinfer}, {@code jinfer-cold}, {@code raw}, {@code parts} or
     *     {@code none}), the bundle (a model.onnx for {@code raw}) and the number of float32
     *     features of a row
     */
    public static void main(String[] args) throws IOException, OrtException {
        long t0 = System.nanoTime();
        String mode = args[0];
        if (mode.equals("none")) {
            System.out.println("{}");
            return;
        }
        Path path = Path.of(args[1]);
        int features = Integer.parseInt(args[2]);
        String out =
                switch (mode) {
                    case "jinfer" -> jinfer(path, LoadOptions.defaults(), features, t0);
                    case "jinfer-cold" ->
                            jinfer(path, LoadOptions.builder().warmup(0).build(), features, t0);
                    case "raw" -> raw(path, features, t0);
                    case "parts" -> parts(path, features, t0);
                    default -> throw new IllegalArgumentException("mode " + mode);
                };
        System.out.println(out);
    }

    private static String jinfer(Path bundle, LoadOptions options, int features, long t0) {
        try (Model m = Models.load(bundle, options)) {
            long loaded = System.nanoTime();
            m.predict(Tensor.of(new float[features], 1, features));
            return json("load", loaded - t0, "predict", System.nanoTime() - loaded);
        }
    }

    private static String raw(Path onnx, int features, long t0) throws IOException, OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Files.readAllBytes(onnx))) {
            long loaded = System.nanoTime();
            FloatBuffer row =
                    ByteBuffer.allocateDirect(4 * features)
                            .order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
            try (OnnxTensor x = OnnxTensor.createTensor(env, row, new long[] {1, features});
                    OrtSession.Result r =
                            s.run(
                                    Collections.singletonMap(
                                            s.getInputNames().iterator().next(), x))) {
                r.get(0).getValue();
            }
            return json("load", loaded - t0, "predict", System.nanoTime() - loaded);
        }
    }

    private static String parts(Path bundle, int features, long t0) {
        try (Bundle b = Bundle.open(bundle)) {
            b.manifest();
        }
        long opened = System.nanoTime();
        OrtEnvironment.getEnvironment();
        long ort = System.nanoTime();
        try (Model m = Models.load(bundle)) {
            long loaded = System.nanoTime();
            m.predict(Tensor.of(new float[features], 1, features));
            long predicted = System.nanoTime();
            return json(
                    "bundle_and_manifest",
                    opened - t0,
                    "ort_environment",
                    ort - opened,
                    "rest_of_load",
                    loaded - ort,
                    "predict",
                    predicted - loaded);
        }
    }

    private static String json(Object... namesAndNanos) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < namesAndNanos.length; i += 2) {
            s.append(i == 0 ? "" : ", ")
                    .append('"')
                    .append(namesAndNanos[i])
                    .append("\": ")
                    .append((Long) namesAndNanos[i + 1] / 1e9);
        }
        return s.append('}').toString();
    }
}
