package io.jinfer.pmml;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jinfer.TestBundles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-written PMML regressions in bundles of their own, for the PMML backend's tests. */
final class PmmlTestBundles {
    private PmmlTestBundles() {}

    /**
     * A zip bundle at {@code file}: a regression whose one float64 input "features" is [n,
     * columns.length], its columns the PMML fields {@code columns}, and whose output is
     * "prediction".
     */
    static Path regression(Path file, byte[] pmml, String... columns) throws IOException {
        ObjectNode m = TestBundles.base("crafted", "regression");
        ObjectNode in = TestBundles.spec("features", "float64", -1, columns.length);
        for (String c : columns) {
            in.withArray("columns").add(c);
        }
        m.putArray("inputs").add(in);
        m.putArray("outputs").add(TestBundles.spec("prediction", "float64", -1));
        m.putArray("artifacts").add(TestBundles.artifact("pmml", "model.pmml", pmml));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("manifest.json", TestBundles.json(m));
        files.put("model.pmml", pmml);
        return TestBundles.zip(file, files);
    }
}
