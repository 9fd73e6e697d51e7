package io.jinfer.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.jinfer.Bundle;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Prediction;
import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How jinfer's ONNX outputs should be held (issue 17, item 2), measured two ways by {@code
 * bench/outputs.py}:
 *
 * <pre>
 *   OutputsBench ratios BUNDLE BATCHES OUT.json   the ways to get outputs, interleaved (Interleaved)
 *   OutputsBench loop VARIANT BUNDLE SECONDS BATCH    one way in a plain loop, for RSS over time
 * </pre>
 *
 * The ways: raw ONNX Runtime Java with the runtime's own outputs ({@code ort}, the anchor), the
 * same copied once into heap arrays the collector accounts for ({@code ort-copy}), raw ORT with
 * pinned outputs allocated once ({@code ort-pinned}, the floor of pinning), and jinfer's {@code
 * predict} (fresh direct buffers), {@code run} (pooled buffers) and {@code run} with the non-finite
 * scan off ({@code run-nocheck}, what the input check costs).
 */
public final class OutputsBench {
    private OutputsBench() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("ratios")) {
            ratios(Paths.get(args[1]), args[2], Paths.get(args[3]));
        } else {
            loop(
                    args[1],
                    Paths.get(args[2]),
                    Double.parseDouble(args[3]),
                    Integer.parseInt(args[4]));
        }
    }

    /** Every way, as a call over {@code batch} rows of {@code x}. */
    private static final class Ways implements AutoCloseable {
        final OrtEnvironment env;
        final OrtSession ort;
        final Model model;
        final Model lenient;
        final String inputName;
        final String jinferInput;
        final Map<String, NodeInfo> outputInfo;

        Ways(Path bundle) throws Exception {
            byte[] onnx;
            try (Bundle b = Bundle.open(bundle)) {
                Manifest.Artifact a =
                        b.manifest().artifacts().stream()
                                .filter(x -> x.backend().equals("onnx"))
                                .findFirst()
                                .orElseThrow();
                onnx = b.readArtifact(a);
            }
            LoadOptions onnxOnly = LoadOptions.builder().backend("onnx").build();
            model = Models.load(bundle, onnxOnly); // first: jinfer names the runtime's environment
            lenient =
                    Models.load(
                            bundle,
                            LoadOptions.builder().backend("onnx").allowNonFinite(true).build());
            env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                ort = env.createSession(onnx, opts);
            }
            inputName = ort.getInputNames().iterator().next();
            outputInfo = ort.getOutputInfo();
            jinferInput = model.inputs().get(0).name();
        }

        Interleaved.Call call(String way, int batch) throws Exception {
            long features = model.inputs().get(0).shape()[1];
            long[] shape = {batch, features};
            Tensor x = rows(batch, (int) features);
            FloatBuffer fb = x.buffer().asFloatBuffer();
            Map<String, Tensor> in = Map.of(jinferInput, x);
            switch (way) {
                case "ort":
                    return () -> {
                        try (OnnxTensor t = OnnxTensor.createTensor(env, fb, shape);
                                OrtSession.Result r = ort.run(Map.of(inputName, t))) {
                            return r.size();
                        }
                    };
                case "ort-copy":
                    return () -> {
                        try (OnnxTensor t = OnnxTensor.createTensor(env, fb, shape);
                                OrtSession.Result r = ort.run(Map.of(inputName, t))) {
                            long n = 0;
                            for (Map.Entry<String, OnnxValue> e : r) {
                                n += copyToHeap((OnnxTensor) e.getValue());
                            }
                            return n;
                        }
                    };
                case "ort-pinned":
                    Map<String, OnnxTensor> pinned = pinnedOutputs(batch);
                    return () -> {
                        try (OnnxTensor t = OnnxTensor.createTensor(env, fb, shape);
                                OrtSession.Result r =
                                        ort.run(
                                                Map.of(inputName, t),
                                                Collections.<String>emptySet(),
                                                pinned)) {
                            return r.size() + pinned.size();
                        }
                    };
                case "predict":
                    return () -> model.predict(in).size();
                case "run":
                    return () -> {
                        try (Prediction p = model.run(in)) {
                            return p.outputs().size();
                        }
                    };
                case "run-nocheck":
                    return () -> {
                        try (Prediction p = lenient.run(in)) {
                            return p.outputs().size();
                        }
                    };
                default:
                    throw new IllegalArgumentException("no way " + way);
            }
        }

        /** The model's outputs as pinned tensors over buffers allocated once, for {@code batch}. */
        private Map<String, OnnxTensor> pinnedOutputs(int batch) throws Exception {
            Map<String, OnnxTensor> out = new HashMap<>();
            for (Map.Entry<String, NodeInfo> e : outputInfo.entrySet()) {
                TensorInfo ti = (TensorInfo) e.getValue().getInfo();
                long[] s = ti.getShape().clone();
                for (int i = 0; i < s.length; i++) {
                    s[i] = s[i] < 0 ? batch : s[i];
                }
                long n = 1;
                for (long d : s) {
                    n *= d;
                }
                ByteBuffer b =
                        ByteBuffer.allocateDirect((int) n * ti.type.size)
                                .order(ByteOrder.nativeOrder());
                out.put(e.getKey(), OnnxTensor.createTensor(env, b, s, ti.type));
            }
            return out;
        }

        @Override
        public void close() throws OrtException {
            model.close();
            lenient.close();
            ort.close();
        }
    }

    /** Copies one of the runtime's output tensors into a heap array; returns its elements. */
    private static long copyToHeap(OnnxTensor t) {
        switch (t.getInfo().type) {
            case INT64:
                return t.getLongBuffer().remaining();
            case FLOAT:
                return t.getFloatBuffer().remaining();
            default:
                return t.getByteBuffer().remaining();
        }
    }

    /**
     * {@code heapUsedMiB heapCommittedMiB directMiB collections}: where the resident memory is,
     * beside the RSS the caller samples.
     */
    private static String memory() {
        java.lang.management.MemoryUsage heap =
                java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = 0;
        for (java.lang.management.BufferPoolMXBean b :
                java.lang.management.ManagementFactory.getPlatformMXBeans(
                        java.lang.management.BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                direct = b.getMemoryUsed();
            }
        }
        long collections = 0;
        for (java.lang.management.GarbageCollectorMXBean g :
                java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += g.getCollectionCount();
        }
        return (heap.getUsed() >> 20)
                + " "
                + (heap.getCommitted() >> 20)
                + " "
                + (direct >> 20)
                + " "
                + collections;
    }

    /** {@code batch} rows of seeded Gaussian features. */
    private static Tensor rows(int batch, int features) {
        Random r = new Random(batch);
        float[] v = new float[batch * features];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, batch, features);
    }

    private static final List<String> WAYS =
            List.of("ort", "ort-copy", "ort-pinned", "predict", "run", "run-nocheck");

    private static void ratios(Path bundle, String batches, Path out) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        try (Ways w = new Ways(bundle)) {
            for (String b : batches.split(",")) {
                int batch = Integer.parseInt(b);
                Map<String, Interleaved.Call> calls = new LinkedHashMap<>();
                for (String way : WAYS) {
                    calls.put(way, w.call(way, batch));
                }
                Interleaved timer = new Interleaved(1_000_000_000L, 50_000_000L, 41);
                timer.prewarm(calls, 2_000_000_000L);
                Map<String, List<Double>> perWay = new LinkedHashMap<>();
                for (Map.Entry<String, Interleaved.Samples> e : timer.run(calls).entrySet()) {
                    perWay.put(e.getKey(), e.getValue().seconds);
                }
                result.put(b, perWay);
                System.err.println("batch " + batch + " done (" + timer.sink() + ")");
            }
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), result);
    }

    /**
     * One way in a plain loop for {@code seconds}, printing {@code seconds-since-start calls} every
     * half second (the caller samples RSS beside it).
     */
    private static void loop(String way, Path bundle, double seconds, int batch) throws Exception {
        try (Ways w = new Ways(bundle)) {
            Interleaved.Call c = w.call(way, batch);
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long next = start;
            long calls = 0;
            long sink = 0;
            System.out.println("start");
            System.out.flush();
            for (long now = start; now < end; now = System.nanoTime()) {
                sink += c.run();
                calls++;
                if (now >= next) {
                    System.out.println((now - start) / 1e9 + " " + calls + " " + memory());
                    System.out.flush();
                    next += 500_000_000L;
                }
            }
            System.out.println("done " + calls + " " + sink);
        }
    }
}
