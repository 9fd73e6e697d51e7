package io.jinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import hex.genmodel.GenModel;
import hex.genmodel.MojoModel;
import hex.genmodel.MojoReaderBackendFactory;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import hex.genmodel.easy.prediction.MultinomialModelPrediction;

import io.jinfer.Bundle;
import io.jinfer.DType;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Prediction;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.mojo.MojoBackend;
import io.jinfer.npy.ParitySample;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.NamedTensors;
import io.jinfer.spi.OutputBuffers;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mojo backend against h2o-genmodel used directly ({@code bench/mojo.py} runs it and reads its
 * JSON).
 *
 * <pre>
 * java -cp "$(cat build/bench/classpath.txt)" io.jinfer.bench.MojoBench \
 *     --bundle gbm=/tmp/gbm.jinfer --batches 1,1024 --out build/bench/mojo.json
 * </pre>
 *
 * <p>For each bundle and batch size, interleaved: {@code Models.load(bundle, mojo).predict(batch)}
 * ("jinfer-mojo") and {@code run(batch)} with its {@link Prediction} closed ("jinfer-mojo-run",
 * pooled output buffers); the same MOJO through an {@link EasyPredictModelWrapper} made as
 * genmodel's documentation shows, a {@link RowData} filled from the same columns for each row, and
 * the label and every probability (or the regression value) read out of genmodel's prediction
 * ("genmodel-java"); and, when the bundle also has ONNX, the onnx backend ("jinfer-onnx"). The rows
 * are the bundle's parity sample, repeated to the batch size. Samples are seconds per call.
 *
 * <p>Three more series take the time apart: "genmodel-score0" is the MOJO's {@code score0} on rows
 * already in the {@code double[]} form it reads (converted once, by the wrapper's own converter),
 * the floor of any way to score the MOJO; "mojo-session" is the mojo backend's session opened
 * through the public SPI ({@link MojoBackend#open}) and run on the same inputs without {@link
 * Model}'s input and output checks; "outputs-only" makes the canonical output tensors of one batch
 * from values already at hand (a string or int64 label tensor, shared at batch 1; a float tensor in
 * a fresh direct buffer; a {@link NamedTensors}), the least any backend does to hand outputs out.
 * So {@code jinfer-mojo - mojo-session} is Model's share (the input check, the output check, the
 * calls-in-flight count), {@code mojo-session - genmodel-score0 - outputs-only} the mojo backend's
 * own work (reading the tensors into score0's row), and {@code genmodel-java - genmodel-score0}
 * what the wrapper and a {@link RowData} per row add.
 */
public final class MojoBench {
    private MojoBench() {}

    public static void main(String[] argv) throws Exception {
        JavaBench.Args a = new JavaBench.Args(argv);
        Interleaved timer =
                new Interleaved(
                        a.millis("warmup-ms", 300),
                        a.millis("block-ms", 50),
                        a.integer("rounds", 15));
        int[] batches = a.ints("batches", "1,1024");
        List<Map<String, Object>> latency = new ArrayList<>();
        for (Map.Entry<String, Path> b : a.bundles().entrySet()) {
            latency.addAll(run(timer, b.getKey(), b.getValue(), batches));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("java_version", System.getProperty("java.version"));
        out.put("processors", Runtime.getRuntime().availableProcessors());
        out.put("sink", timer.sink());
        out.put("latency", latency);
        Path file = Paths.get(a.string("out", "mojo-bench.json"));
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), out);
        System.err.println("[mojo-bench] wrote " + file);
    }

    private static List<Map<String, Object>> run(
            Interleaved timer, String name, Path path, int[] batches) throws Exception {
        byte[] mojo;
        Map<String, Tensor> sample;
        Manifest manifest;
        try (Bundle bundle = Bundle.open(path)) {
            manifest = bundle.manifest();
            mojo = bundle.readArtifact(artifact(manifest, "mojo"));
            sample = ParitySample.inputs(bundle);
        }
        String[] outputNames =
                manifest.outputs().stream().map(TensorSpec::name).toArray(String[]::new);
        Tensor[] oneRowLabels = oneRowLabels(manifest);
        boolean hasOnnx = manifest.artifacts().stream().anyMatch(x -> x.backend().equals("onnx"));
        Wrapper raw = rawWrapper(mojo);
        List<Map<String, Object>> out = new ArrayList<>();
        LoadOptions options = LoadOptions.builder().backend("mojo").allowNonFinite(true).build();
        try (Model jinfer = Models.load(path, options);
                BackendSession session =
                        new MojoBackend()
                                .open(
                                        new ArtifactContext(
                                                manifest,
                                                artifact(manifest, "mojo"),
                                                () -> mojo,
                                                options));
                Model onnx =
                        hasOnnx
                                ? Models.load(
                                        path,
                                        LoadOptions.builder()
                                                .backend("onnx")
                                                .allowNonFinite(true)
                                                .intraOpThreads(1)
                                                .build())
                                : null) {
            for (int batch : batches) {
                Map<String, Tensor> x = repeat(manifest, sample, batch);
                Columns columns = new Columns(manifest, x, raw);
                Map<String, Interleaved.Call> calls = new LinkedHashMap<>();
                long rows = batch;
                calls.put("jinfer-mojo", () -> jinfer.predict(x).size());
                calls.put(
                        "jinfer-mojo-run",
                        () -> {
                            try (Prediction p = jinfer.run(x)) {
                                return p.outputs().size();
                            }
                        });
                calls.put("genmodel-java", () -> columns.predict(batch));
                calls.put("genmodel-score0", () -> columns.score0(batch));
                calls.put("mojo-session", () -> session.run(x, rows).size());
                calls.put(
                        "outputs-only",
                        () -> outputsOnly(manifest, batch, outputNames, oneRowLabels).size());
                if (onnx != null) {
                    calls.put("jinfer-onnx", () -> onnx.predict(x).size());
                }
                System.err.println("[mojo-bench] " + name + " batch " + batch);
                warm(calls, Math.max(100, 200_000 / batch));
                timer.prewarm(calls, 500_000_000L);
                Map<String, Interleaved.Samples> samples = timer.run(calls);
                for (Map.Entry<String, Interleaved.Samples> s : samples.entrySet()) {
                    Map<String, Object> point = new LinkedHashMap<>();
                    point.put("model", name);
                    point.put("batch", batch);
                    point.put("series", s.getKey());
                    point.put("seconds", s.getValue().seconds);
                    out.add(point);
                }
            }
        }
        return out;
    }

    /**
     * Runs every call {@code times} times first: a count, not a time, so that on a loaded machine
     * (where the compiler threads get little of a wall-clock warm-up) the JIT has compiled every
     * path before anything is timed.
     */
    private static void warm(Map<String, Interleaved.Call> calls, int times) throws Exception {
        long sink = 0;
        for (Interleaved.Call c : calls.values()) {
            for (int i = 0; i < times; i++) {
                sink += c.run();
            }
        }
        if (sink == 42) {
            System.err.println("[mojo-bench] warmed");
        }
    }

    private static Manifest.Artifact artifact(Manifest m, String backend) {
        return m.artifacts().stream()
                .filter(a -> a.backend().equals(backend))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + backend + " artifact"));
    }

    /** The MOJO as genmodel's documentation loads it, with unseen levels scored as missing. */
    private static Wrapper rawWrapper(byte[] mojo) throws Exception {
        MojoModel model =
                MojoModel.load(
                        MojoReaderBackendFactory.createReaderBackend(
                                new ByteArrayInputStream(mojo),
                                MojoReaderBackendFactory.CachingStrategy.MEMORY));
        return new Wrapper(
                new EasyPredictModelWrapper.Config()
                        .setModel(model)
                        .setConvertUnknownCategoricalLevelsToNa(true));
    }

    /**
     * genmodel's wrapper, with its own conversion of a {@link RowData} into score0's row exposed.
     */
    private static final class Wrapper extends EasyPredictModelWrapper {
        private static final long serialVersionUID = 1L;

        Wrapper(EasyPredictModelWrapper.Config config) {
            super(config);
        }

        double[] scoreRow(RowData row) throws PredictException {
            double[] raw = new double[m.nfeatures()];
            Arrays.fill(raw, Double.NaN);
            return fillRawData(row, raw);
        }
    }

    /** The sample's rows, repeated to {@code batch} rows. */
    private static Map<String, Tensor> repeat(Manifest m, Map<String, Tensor> sample, int batch) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorSpec spec : m.inputs()) {
            Tensor t = sample.get(spec.name());
            int rows = (int) t.dim(0);
            int width = (int) (t.size() / rows);
            long[] shape = spec.concreteShape(batch);
            if (t.isString()) {
                String[] src = t.toStringArray();
                String[] dst = new String[batch * width];
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = src[i % src.length];
                }
                out.put(spec.name(), Tensor.ofStrings(dst, shape));
            } else {
                float[] src = t.toFloatArray();
                float[] dst = new float[batch * width];
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = src[i % src.length];
                }
                out.put(spec.name(), Tensor.of(dst, shape));
            }
        }
        return out;
    }

    /**
     * The raw side: the same columns held as Java arrays (what a service has), a RowData filled for
     * each row (numbers as Double, levels as String, missing values left out), then predictBinomial
     * / predictMultinomial / predictRegression.
     */
    private static final class Columns {
        private final String[] names;
        private final float[][] numbers; // by column, null for a string column
        private final String[][] strings;
        private final int[] width;
        private final int[] offset;
        private final Wrapper wrapper;
        private final String category;
        private double[][] scoreRows; // score0's rows, as the wrapper converts them; made once
        private final double[] raw;
        private final double[] preds;

        Columns(Manifest m, Map<String, Tensor> x, Wrapper wrapper) {
            this.wrapper = wrapper;
            this.category = wrapper.m.getModelCategory().name();
            List<String> n = new ArrayList<>();
            List<float[]> num = new ArrayList<>();
            List<String[]> str = new ArrayList<>();
            List<int[]> at = new ArrayList<>();
            for (TensorSpec spec : m.inputs()) {
                Tensor t = x.get(spec.name());
                List<String> cols = spec.rank() == 2 ? spec.columns() : List.of(spec.name());
                for (int c = 0; c < cols.size(); c++) {
                    n.add(cols.get(c));
                    num.add(t.isString() ? null : t.toFloatArray());
                    str.add(t.isString() ? t.toStringArray() : null);
                    at.add(new int[] {cols.size(), c});
                }
            }
            names = n.toArray(new String[0]);
            numbers = num.toArray(new float[0][]);
            strings = str.toArray(new String[0][]);
            width = at.stream().mapToInt(p -> p[0]).toArray();
            offset = at.stream().mapToInt(p -> p[1]).toArray();
            raw = new double[wrapper.m.nfeatures()];
            preds = new double[wrapper.m.getPredsSize(wrapper.m.getModelCategory())];
        }

        /** Row {@code r} as a user fills a {@link RowData}: numbers as Double, missing left out. */
        private void fill(RowData row, int r) {
            row.clear();
            for (int c = 0; c < names.length; c++) {
                if (strings[c] != null) {
                    String s = strings[c][r];
                    if (!s.isEmpty()) {
                        row.put(names[c], s);
                    }
                } else {
                    float v = numbers[c][r * width[c] + offset[c]];
                    if (!Float.isNaN(v)) {
                        row.put(names[c], (double) v);
                    }
                }
            }
        }

        /**
         * The floor of any scorer of this MOJO: {@code GenModel.score0} on rows already in its form
         * (converted once, by the wrapper), each copied into the row score0 reads, its label and
         * probabilities (or value) read out.
         */
        long score0(int rows) throws Exception {
            if (scoreRows == null || scoreRows.length < rows) {
                scoreRows = new double[rows][];
                RowData row = new RowData();
                for (int r = 0; r < rows; r++) {
                    fill(row, r);
                    scoreRows[r] = wrapper.scoreRow(row);
                }
            }
            GenModel model = wrapper.m;
            String[] domain = model.getDomainValues(model.getResponseIdx());
            long sum = 0;
            for (int r = 0; r < rows; r++) {
                System.arraycopy(scoreRows[r], 0, raw, 0, raw.length);
                Arrays.fill(preds, 0);
                model.score0(raw, preds);
                if (domain != null) {
                    long bits = 0;
                    for (int j = 1; j < preds.length; j++) {
                        bits ^= Double.doubleToLongBits(preds[j]);
                    }
                    sum += domain[(int) preds[0]].hashCode() + bits;
                } else {
                    sum += Double.doubleToLongBits(preds[0]);
                }
            }
            return sum;
        }

        /**
         * Scores {@code rows} rows; returns what it read out of each prediction (the label's hash
         * and the probabilities, or the value), so the JIT keeps every read.
         */
        long predict(int rows) throws Exception {
            long sum = 0;
            RowData row = new RowData();
            for (int r = 0; r < rows; r++) {
                fill(row, r);
                switch (category) {
                    case "Binomial" -> {
                        BinomialModelPrediction p = wrapper.predictBinomial(row);
                        sum += p.label.hashCode() + read(p.classProbabilities);
                    }
                    case "Multinomial" -> {
                        MultinomialModelPrediction p = wrapper.predictMultinomial(row);
                        sum += p.label.hashCode() + read(p.classProbabilities);
                    }
                    default -> sum += Double.doubleToLongBits(wrapper.predictRegression(row).value);
                }
            }
            return sum;
        }

        private static long read(double[] probabilities) {
            long bits = 0;
            for (double p : probabilities) {
                bits ^= Double.doubleToLongBits(p);
            }
            return bits;
        }
    }

    /**
     * The canonical outputs of a batch of {@code n} rows made from values at hand: what a backend
     * must at least do to return tensors (a label tensor, the floats in a fresh direct buffer, the
     * map), without scoring anything, made as cheaply as the SPI allows: the map a {@link
     * NamedTensors}, and a batch of one row's label a tensor made before (tensors are immutable, so
     * a backend can share one per class, as the mojo backend does).
     */
    private static Map<String, Tensor> outputsOnly(
            Manifest m, int n, String[] names, Tensor[] oneRowLabels) {
        Tensor[] out = new Tensor[names.length];
        for (int o = 0; o < out.length; o++) {
            TensorSpec spec = m.outputs().get(o);
            long[] shape = spec.concreteShape(n);
            int count = (int) Tensor.elementCount(shape);
            if (n == 1 && oneRowLabels[o] != null) {
                out[o] = oneRowLabels[o];
            } else if (spec.dtype() == DType.STRING) {
                out[o] = labels(m, count, shape);
            } else {
                ByteBuffer b = OutputBuffers.FRESH.take(count * spec.dtype().byteSize());
                for (int i = 0; i < count; i++) {
                    if (spec.dtype() == DType.FLOAT64) {
                        b.putDouble(i * 8, i);
                    } else if (spec.dtype() == DType.INT64) {
                        b.putLong(i * 8, i);
                    } else {
                        b.putFloat(i * 4, i);
                    }
                }
                out[o] = Tensor.wrap(b, spec.dtype(), shape);
            }
        }
        return new NamedTensors(names, out);
    }

    /** A string label tensor of {@code count} classes, in turn. */
    private static Tensor labels(Manifest m, int count, long[] shape) {
        String[] labels = new String[count];
        for (int i = 0; i < count; i++) {
            labels[i] = String.valueOf(m.classes().get(i % m.classes().size()));
        }
        return Tensor.ofStrings(labels, shape);
    }

    /** For each output, a batch of one row's label, made once (null for other outputs). */
    private static Tensor[] oneRowLabels(Manifest m) {
        Tensor[] out = new Tensor[m.outputs().size()];
        for (int o = 0; o < out.length; o++) {
            TensorSpec spec = m.outputs().get(o);
            Object first = m.classes().isEmpty() ? null : m.classes().get(0);
            if (spec.dtype() == DType.STRING) {
                out[o] = Tensor.ofStrings(new String[] {String.valueOf(first)}, 1);
            } else if (spec.dtype() == DType.INT64 && first instanceof Long l) {
                out[o] = Tensor.of(new long[] {l}, 1);
            }
        }
        return out;
    }
}
