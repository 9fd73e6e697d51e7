package io.jinfer.bench;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Warm start, in a fresh JVM ({@code bench/warm_start.py} starts one per sample): how long the load
 * takes, and the latency of the first calls after it returns against the steady state, for jinfer
 * ({@code Models.load} with a given warm-up, or the default when it is absent or negative) or for
 * raw ONNX Runtime Java ({@code createSession} on the bundle's model.onnx).
 *
 * <pre>
 * java -cp "$(cat build/bench/classpath.txt)" io.jinfer.bench.WarmStart jinfer BUNDLE [WARMUP]
 * java -cp "$(cat build/bench/classpath.txt)" io.jinfer.bench.WarmStart ort BUNDLE
 * </pre>
 *
 * <p>Prints one line of JSON: {@code load_s} (the load, or the session's creation), {@code first_s}
 * (the seconds of each of the first {@value #FIRST} calls at batch 1, one row of {@link Batch}) and
 * {@code steady_median_s} (the median of the last {@value #STEADY} of {@value #CALLS} calls, when
 * the JIT is done).
 */
public final class WarmStart {
    static final int FIRST = 300;
    static final int CALLS = 30_000;
    static final int STEADY = 10_000;

    private WarmStart() {}

    /** One timed prediction. */
    private interface Call {
        void run() throws Exception;
    }

    public static void main(String[] argv) throws Exception {
        String side = argv[0];
        Path path = Paths.get(argv[1]);
        byte[] onnx;
        Map<String, String> nativeNames;
        Batch row;
        try (Bundle b = Bundle.open(path)) {
            Manifest.Artifact a =
                    b.manifest().artifacts().stream()
                            .filter(x -> x.backend().equals("onnx"))
                            .findFirst()
                            .orElseThrow(() -> new IllegalArgumentException(path + ": no onnx"));
            onnx = b.readArtifact(a);
            nativeNames = a.detailMap("input_names");
            row = new Batch.Maker(b).make(1, 42);
        }
        long start = System.nanoTime();
        double loadS;
        double[] times;
        if (side.equals("jinfer")) {
            int warmup = argv.length > 2 ? Integer.parseInt(argv[2]) : -1;
            LoadOptions opts =
                    warmup < 0
                            ? LoadOptions.defaults()
                            : LoadOptions.builder().warmup(warmup).build();
            try (Model model = Models.load(path, opts)) {
                loadS = (System.nanoTime() - start) / 1e9;
                times = timed(() -> model.predict(row.tensors));
            }
        } else {
            try (RawOrt ort = new RawOrt(onnx, 0)) {
                loadS = (System.nanoTime() - start) / 1e9;
                List<RawOrt.Input> x = ort.inputs(row, nativeNames);
                times = timed(() -> ort.predict(x));
            }
        }
        double[] steady = Arrays.copyOfRange(times, CALLS - STEADY, CALLS);
        Arrays.sort(steady);
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < FIRST; i++) {
            first.append(i == 0 ? "" : ",").append(times[i]);
        }
        System.out.println(
                "{\"load_s\": "
                        + loadS
                        + ", \"steady_median_s\": "
                        + steady[STEADY / 2]
                        + ", \"first_s\": ["
                        + first
                        + "]}");
    }

    /** The seconds of each of {@value #CALLS} calls. */
    private static double[] timed(Call call) throws Exception {
        double[] out = new double[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long t = System.nanoTime();
            call.run();
            out[i] = (System.nanoTime() - t) / 1e9;
        }
        return out;
    }
}
