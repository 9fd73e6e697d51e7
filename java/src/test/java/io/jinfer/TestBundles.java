package io.jinfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jinfer.npy.Npz;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds bundles for tests, as zips (with {@link ZipOutputStream}) or directories, around the tiny
 * ONNX models of {@code java/src/test/resources/models/} (made by {@code make_models.py} there).
 */
public final class TestBundles {
    public static final ObjectMapper JSON = new ObjectMapper();

    private TestBundles() {}

    /**
     * A file of {@code java/src/test/resources/}: from the test classpath when Gradle puts the
     * resources there, else from that folder under the project directory (or the folder named by
     * the system property {@code jinfer.testResources}).
     */
    public static Path resource(String relative) {
        URL url = TestBundles.class.getClassLoader().getResource(relative);
        if (url != null && "file".equals(url.getProtocol())) {
            try {
                return Paths.get(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        Path dir = Paths.get(System.getProperty("jinfer.testResources", "java/src/test/resources"));
        Path p = dir.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(
                    "test resource "
                            + relative
                            + " not found on the classpath nor at "
                            + p.toAbsolutePath());
        }
        return p;
    }

    public static byte[] resourceBytes(String relative) {
        try {
            return Files.readAllBytes(resource(relative));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- manifests

    /**
     * The manifest of {@code add_mul.onnx}: x float32 [-1, 3], z float64 [-1, 2] -> y = x + [1, 2,
     * 3], w = 2z.
     */
    public static ObjectNode addMulManifest(byte[] onnx) {
        ObjectNode m = base("add_mul", "transform");
        ArrayNode inputs = m.putArray("inputs");
        inputs.add(spec("x", "float32", -1, 3));
        inputs.add(spec("z", "float64", -1, 2));
        ArrayNode outputs = m.putArray("outputs");
        outputs.add(spec("y", "float32", -1, 3));
        outputs.add(spec("w", "float64", -1, 2));
        m.putArray("artifacts").add(artifact("onnx", "model.onnx", onnx));
        return m;
    }

    /**
     * The manifest of {@code iris_lr.onnx}: features float32 [-1, 4] -> label int64 [-1],
     * probabilities float32 [-1, 3].
     */
    public static ObjectNode irisManifest(byte[] onnx) {
        ObjectNode m = base("iris", "classification");
        ObjectNode features = spec("features", "float32", -1, 4);
        features.putArray("columns")
                .add("sepal_length")
                .add("sepal_width")
                .add("petal_length")
                .add("petal_width");
        m.putArray("inputs").add(features);
        ArrayNode outputs = m.putArray("outputs");
        outputs.add(spec("label", "int64", -1));
        outputs.add(spec("probabilities", "float32", -1, 3));
        m.putArray("classes").add(0).add(1).add(2);
        m.putArray("artifacts").add(artifact("onnx", "model.onnx", onnx));
        return m;
    }

    public static ObjectNode base(String name, String task) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "jinfer-bundle");
        m.put("format_version", 1);
        m.put("name", name);
        m.put("version", "1.0.0");
        m.put("created_at", "2026-11-22T03:00:00Z");
        m.put("description", "a test bundle");
        m.putObject("producer").put("jinfer", "0.1.0").put("python", "3.11.7");
        m.put("task", task);
        return m;
    }

    public static ObjectNode spec(String name, String dtype, long... shape) {
        ObjectNode s = JSON.createObjectNode();
        s.put("name", name);
        s.put("dtype", dtype);
        ArrayNode dims = s.putArray("shape");
        for (long d : shape) {
            dims.add(d);
        }
        return s;
    }

    public static ObjectNode artifact(String backend, String path, byte[] content) {
        ObjectNode a = JSON.createObjectNode();
        a.put("backend", backend);
        a.put("path", path);
        a.put("sha256", Bundle.sha256(content));
        a.put("bytes", content.length);
        a.putObject("details").put("opset", 17);
        ObjectNode p = a.putObject("parity");
        p.put("rows", 30)
                .put("passed", true)
                .put("checked_with", "java")
                .put("rtol", 1e-5)
                .put("atol", 1e-6);
        return a;
    }

    // ---------------------------------------------------------------- bundles

    /** The files of a bundle, by name, in order; the manifest first. */
    public static Map<String, byte[]> files(ObjectNode manifest, byte[] onnx) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("manifest.json", json(manifest));
        files.put("model.onnx", onnx);
        return files;
    }

    public static byte[] json(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] npz(Map<String, Tensor> arrays) {
        try {
            Path tmp = Files.createTempFile("jinfer-test", ".npz");
            try {
                Npz.write(arrays, tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A zip bundle with these entries, in order. */
    public static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    /** A directory bundle with these files. */
    public static Path directory(Path dir, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        return dir;
    }

    /** The iris classifier as a zip bundle with its parity sample (scikit-learn's outputs). */
    public static Path irisZip(Path file) throws IOException {
        byte[] onnx = resourceBytes("models/iris_lr.onnx");
        Map<String, byte[]> files = files(irisManifest(onnx), onnx);
        files.put("parity/inputs.npz", resourceBytes("models/iris_inputs.npz"));
        files.put("parity/expected.npz", resourceBytes("models/iris_expected.npz"));
        return zip(file, files);
    }

    /** The add/mul model as a zip bundle, no parity sample. */
    public static Path addMulZip(Path file) throws IOException {
        byte[] onnx = resourceBytes("models/add_mul.onnx");
        return zip(file, files(addMulManifest(onnx), onnx));
    }

    /**
     * The add/mul model as a zip bundle whose parity sample does not fit it (x has 5 columns where
     * the model takes 3): a warm-up at load fails on it, a load without one does not.
     */
    public static Path addMulWithBadSample(Path file) throws IOException {
        byte[] onnx = resourceBytes("models/add_mul.onnx");
        Map<String, byte[]> files = files(addMulManifest(onnx), onnx);
        Map<String, Tensor> sample = new LinkedHashMap<>();
        sample.put("x", Tensor.zeros(DType.FLOAT32, 2, 5));
        sample.put("z", Tensor.zeros(DType.FLOAT64, 2, 2));
        files.put("parity/inputs.npz", npz(sample));
        return zip(file, files);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
