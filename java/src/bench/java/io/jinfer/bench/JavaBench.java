package io.jinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Prediction;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Java side of jinfer's benchmark ({@code bench/run.py} runs it and reads its JSON).
 *
 * <pre>
 * gradle benchClasspath     # compiles this source set, writes build/bench/classpath.txt
 * java -cp "$(cat build/bench/classpath.txt)" io.jinfer.bench.JavaBench \
 *     --bundle rf=/tmp/rf.jinfer --bundle logreg=/tmp/lr.jinfer --batches 1,1024,10000 \
 *     --pmml-batches 1,64 --threads 1,2 --thread-batches 1,64 --out build/bench/java.json
 * </pre>
 *
 * <p>For each bundle, each measurement interleaved so that noise hits both sides alike, on every
 * input the bundle takes ({@link Batch}: float32 in direct buffers, strings from the parity
 * sample):
 *
 * <ul>
 *   <li><b>latency, ONNX</b>: {@code Models.load(bundle).predict(Map)} ("jinfer-java"), and {@code
 *       Model.run} with its {@code Prediction} closed ("jinfer-java-run", the pooled outputs),
 *       against ONNX Runtime Java used directly on the same model.onnx with the same session
 *       options ("ort-java", {@link RawOrt}), at each batch size;
 *   <li><b>latency, PMML</b> (when the bundle has a PMML artifact and {@code --pmml-batches} is
 *       given): the PMML backend ("jinfer-pmml-java") against JPMML-Evaluator row by row
 *       ("jpmml-java", {@link RawJpmml});
 *   <li><b>threads</b>: rows/s with 1 and 2 caller threads sharing one model loaded with one
 *       intra-op thread: jinfer ONNX, raw ONNX Runtime, jinfer PMML.
 * </ul>
 *
 * The inputs are the same on both sides. Samples are seconds per call (latency) and rows per second
 * (threads); medians and ranges are computed by the reader.
 */
public final class JavaBench {
    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        JavaBench bench = new JavaBench(a);
        for (Map.Entry<String, Path> m : a.bundles().entrySet()) {
            bench.run(m.getKey(), m.getValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("java_version", System.getProperty("java.version"));
        out.put(
                "java_vm",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        out.put("onnxruntime_java", ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion());
        out.put("jpmml_evaluator", jpmmlVersion());
        out.put("processors", Runtime.getRuntime().availableProcessors());
        out.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        out.put("sink", bench.timer.sink());
        out.put("latency", bench.latency);
        out.put("threads", bench.rates);
        out.put("skipped", bench.skipped);
        Path file = Paths.get(a.string("out", "java-bench.json"));
        if (file.getParent() != null) {
            java.nio.file.Files.createDirectories(file.getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), out);
        log("wrote " + file);
    }

    private final Interleaved timer;
    private final Throughput throughput;
    private final int[] batches;
    private final int[] pmmlBatches;
    private final int[] threads;
    private final int[] threadBatches;
    private final long prewarmNanos;
    private final List<Map<String, Object>> latency = new ArrayList<>();
    private final List<Map<String, Object>> rates = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    private JavaBench(Args a) {
        timer =
                new Interleaved(
                        a.millis("warmup-ms", 300),
                        a.millis("block-ms", 50),
                        a.integer("rounds", 15));
        throughput = new Throughput(a.millis("round-ms", 250), a.integer("thread-rounds", 8));
        batches = a.ints("batches", "1,1024,10000");
        pmmlBatches = a.ints("pmml-batches", "");
        threads = a.ints("threads", "1,2");
        threadBatches = a.ints("thread-batches", "1,64");
        prewarmNanos = a.millis("prewarm-ms", 1000);
    }

    /** Every measurement of one bundle: ONNX, then PMML when the bundle has it. */
    private void run(String name, Path path) throws Exception {
        byte[] onnx;
        byte[] pmml;
        Map<String, String> nativeNames;
        Batch.Maker maker;
        try (Bundle b = Bundle.open(path)) {
            Manifest.Artifact o = artifact(b.manifest(), "onnx");
            onnx = b.readArtifact(o);
            nativeNames = o.detailMap("input_names");
            Manifest.Artifact p = findArtifact(b.manifest(), "pmml");
            pmml = p == null ? null : b.readArtifact(p);
            maker = new Batch.Maker(b);
        }
        try (Model model = Models.load(path, LoadOptions.builder().backend("onnx").build());
                RawOrt raw = new RawOrt(onnx, 0)) {
            latencies(
                    name,
                    "onnx",
                    batches,
                    maker,
                    x -> {
                        List<RawOrt.Input> feed = raw.inputs(x, nativeNames);
                        Map<String, Interleaved.Call> c =
                                calls(
                                        "jinfer-java",
                                        () -> model.predict(x.tensors).size(),
                                        "ort-java",
                                        () -> raw.predict(feed));
                        c.put("jinfer-java-run", () -> run(model, x));
                        return c;
                    });
        }
        LoadOptions one =
                LoadOptions.builder().backend("onnx").intraOpThreads(1).interOpThreads(1).build();
        try (Model model = Models.load(path, one);
                RawOrt raw = new RawOrt(onnx, 1)) {
            for (int batch : threadBatches) {
                Batch[] inputs = perThread(maker, batch);
                List<List<RawOrt.Input>> feeds = new ArrayList<>();
                for (Batch x : inputs) {
                    feeds.add(raw.inputs(x, nativeNames));
                }
                log("threads " + name + " batch " + batch + ": onnx");
                modelRates(name, "jinfer-java", batch, model, inputs);
                addRates(
                        name,
                        "ort-java",
                        batch,
                        throughput.run(t -> raw.predict(feeds.get(t)) > 0 ? batch : 0, threads));
            }
        }
        if (pmmlBatches.length == 0) {
            return;
        }
        if (pmml == null || !Models.backendStatus("pmml").available()) {
            skipped.add(
                    name
                            + ": pmml (no pmml artifact in the bundle, or JPMML not on the"
                            + " classpath)");
            return;
        }
        RawJpmml jpmml = new RawJpmml(pmml, maker.specs());
        try (Model model = Models.load(path, LoadOptions.builder().backend("pmml").build())) {
            latencies(
                    name,
                    "pmml",
                    pmmlBatches,
                    maker,
                    x -> {
                        RawJpmml.Column[] columns = jpmml.columns(x);
                        return calls(
                                "jinfer-pmml-java",
                                () -> model.predict(x.tensors).size(),
                                "jpmml-java",
                                () -> jpmml.predict(columns, x.rows));
                    });
        }
        LoadOptions pmmlOne = LoadOptions.builder().backend("pmml").intraOpThreads(1).build();
        try (Model model = Models.load(path, pmmlOne)) {
            for (int batch : threadBatches) {
                log("threads " + name + " batch " + batch + ": pmml");
                modelRates(name, "jinfer-pmml-java", batch, model, perThread(maker, batch));
            }
        }
    }

    /** The calls to time on one batch (made before any timing). */
    private interface CallsOn {
        Map<String, Interleaved.Call> on(Batch x) throws Exception;
    }

    /** A batch per caller thread, of the same shape and different values. */
    private Batch[] perThread(Batch.Maker maker, int batch) {
        Batch[] out = new Batch[max(threads)];
        for (int t = 0; t < out.length; t++) {
            out[t] = maker.make(batch, 42 + t);
        }
        return out;
    }

    /**
     * The latency series of one backend at each batch size: the calls {@code calls} makes for a
     * batch's inputs, timed interleaved (the first batch size prewarms them).
     */
    private void latencies(
            String name, String backend, int[] sizes, Batch.Maker maker, CallsOn calls)
            throws Exception {
        for (int batch : sizes) {
            log("latency " + name + " batch " + batch + ": " + backend);
            Map<String, Interleaved.Call> c = calls.on(maker.make(batch, 42));
            if (batch == sizes[0]) {
                timer.prewarm(c, prewarmNanos);
            }
            addLatency(name, batch, c);
        }
    }

    /** One {@link Model#run} call, its outputs read and its buffers given back, as a loop does. */
    private static long run(Model model, Batch x) {
        try (Prediction p = model.run(x.tensors)) {
            return p.outputs().size();
        }
    }

    /** Two named calls, timed in this order. */
    private static Map<String, Interleaved.Call> calls(
            String first, Interleaved.Call a, String second, Interleaved.Call b) {
        Map<String, Interleaved.Call> calls = new LinkedHashMap<>();
        calls.put(first, a);
        calls.put(second, b);
        return calls;
    }

    private void addLatency(String model, int batch, Map<String, Interleaved.Call> calls)
            throws Exception {
        for (Map.Entry<String, Interleaved.Samples> s : timer.run(calls).entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", model);
            row.put("series", s.getKey());
            row.put("batch", batch);
            row.put("calls_per_block", s.getValue().callsPerBlock);
            row.put("seconds", s.getValue().seconds);
            latency.add(row);
        }
    }

    private static int max(int[] values) {
        int m = 1;
        for (int v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** JPMML-Evaluator's version, from its jar's name on the classpath. */
    private static String jpmmlVersion() {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("pmml-evaluator-(\\d[\\w.]*)\\.jar")
                        .matcher(System.getProperty("java.class.path", ""));
        return m.find() ? m.group(1) : "not on the classpath";
    }

    /** The rows/s of {@code model} at each thread count, each thread on its own inputs. */
    private void modelRates(String name, String series, int batch, Model model, Batch[] inputs)
            throws Exception {
        addRates(
                name,
                series,
                batch,
                throughput.run(
                        t -> model.predict(inputs[t].tensors).size() > 0 ? batch : 0, threads));
    }

    private void addRates(
            String model, String series, int batch, Map<Integer, List<Double>> byThreads) {
        for (Map.Entry<Integer, List<Double>> e : byThreads.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", model);
            row.put("series", series);
            row.put("batch", batch);
            row.put("threads", e.getKey());
            row.put("rows_per_second", e.getValue());
            rates.add(row);
        }
    }

    private static Manifest.Artifact findArtifact(Manifest m, String backend) {
        for (Manifest.Artifact a : m.artifacts()) {
            if (backend.equals(a.backend())) {
                return a;
            }
        }
        return null;
    }

    private static Manifest.Artifact artifact(Manifest m, String backend) {
        Manifest.Artifact a = findArtifact(m, backend);
        if (a == null) {
            throw new IllegalArgumentException(
                    "bundle " + m.name() + " has no " + backend + " artifact");
        }
        return a;
    }

    /** {@code n} floats, standard normal from a fixed seed, in a direct native-order buffer. */
    static ByteBuffer floats(int n, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) r.nextGaussian());
        }
        b.flip();
        return b;
    }

    private static void log(String what) {
        System.err.println("  java: " + what);
        System.err.flush();
    }

    /** {@code --key value} pairs; {@code --bundle name=path} may repeat. */
    static final class Args {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Map<String, Path> bundles = new LinkedHashMap<>();

        Args(String[] argv) {
            for (int i = 0; i < argv.length; i++) {
                String k = argv[i];
                if (!k.startsWith("--") || i + 1 >= argv.length) {
                    throw new IllegalArgumentException(
                            "expected --key value pairs, got '" + k + "'");
                }
                String v = argv[++i];
                if (k.equals("--bundle")) {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException(
                                "--bundle expects NAME=PATH, got '" + v + "'");
                    }
                    bundles.put(v.substring(0, eq), Paths.get(v.substring(eq + 1)));
                } else {
                    values.put(k.substring(2), v);
                }
            }
            if (bundles.isEmpty()) {
                throw new IllegalArgumentException("give at least one --bundle NAME=PATH");
            }
        }

        Map<String, Path> bundles() {
            return bundles;
        }

        String string(String key, String dflt) {
            return values.getOrDefault(key, dflt);
        }

        int integer(String key, int dflt) {
            return Integer.parseInt(string(key, String.valueOf(dflt)));
        }

        long millis(String key, long dflt) {
            return (long) (Double.parseDouble(string(key, String.valueOf(dflt))) * 1_000_000L);
        }

        int[] ints(String key, String dflt) {
            String text = string(key, dflt).trim();
            if (text.isEmpty()) {
                return new int[0];
            }
            String[] parts = text.split(",");
            int[] out = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                out[i] = Integer.parseInt(parts[i].trim());
            }
            return out;
        }
    }
}
