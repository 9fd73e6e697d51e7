package io.jinfer.spark;

import io.jinfer.Bundle;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;
import io.jinfer.npy.ParitySample;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the Spark tests share: one local[2] session for the test JVM, and the bundles that {@code
 * tests/spark/bundles.py} exported ({@code jinfer.sparkBundles}, set by {@code make test-spark}).
 */
final class SparkTests {
    private static SparkSession spark;

    private SparkTests() {}

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark =
                    SparkSession.builder()
                            .master("local[2]")
                            .appName("jinfer-spark-tests")
                            .config("spark.ui.enabled", "false")
                            .config("spark.sql.shuffle.partitions", "4")
                            .getOrCreate();
        }
        return spark;
    }

    /** The path of bundle {@code name}. */
    static String bundle(String name) {
        Path dir = Path.of(System.getProperty("jinfer.sparkBundles", ""));
        Path path = dir.resolve(name + ".jinfer");
        if (!Files.exists(path)) {
            throw new IllegalStateException(
                    path
                            + " is missing: run the Spark tests with `make test-spark`, which"
                            + " exports it");
        }
        return path.toString();
    }

    /** The inputs of the bundle's parity sample (the rows it was exported with). */
    static Map<String, Tensor> sample(String bundle) {
        try (Bundle b = Bundle.open(Path.of(bundle))) {
            return ParitySample.inputs(b);
        }
    }

    /** The bundle's own outputs on {@code inputs}, computed by a Model outside Spark. */
    static Map<String, Tensor> direct(String bundle, Map<String, Tensor> inputs) {
        try (Model model = Models.load(Path.of(bundle))) {
            return model.predict(inputs);
        }
    }

    /**
     * {@code rows} as a DataFrame (id, features {@code array<element>}), element a FloatType or a
     * DoubleType.
     */
    static Dataset<Row> arrayRows(float[][] rows, DataType element) {
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            List<Object> values = new ArrayList<>();
            for (float v : rows[i]) {
                values.add(element == DataTypes.FloatType ? (Object) v : (Object) (double) v);
            }
            data.add(RowFactory.create((long) i, values));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType)
                        .add("features", DataTypes.createArrayType(element));
        return spark().createDataFrame(data, schema);
    }

    /**
     * The mixed bundle's parity sample as a DataFrame (id, {@code color} string, size double,
     * weight float), its color column called {@code colorColumn} and null in row {@code nullRow}
     * (-1: none).
     */
    static Dataset<Row> mixedRows(Map<String, Tensor> inputs, String colorColumn, int nullRow) {
        String[] color = inputs.get("color").toStringArray();
        float[] size = inputs.get("size").toFloatArray();
        float[] weight = inputs.get("weight").toFloatArray();
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < color.length; i++) {
            data.add(
                    RowFactory.create(
                            (long) i, i == nullRow ? null : color[i], (double) size[i], weight[i]));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType)
                        .add(colorColumn, DataTypes.StringType)
                        .add("size", DataTypes.DoubleType)
                        .add("weight", DataTypes.FloatType);
        return spark().createDataFrame(data, schema);
    }

    /** A row's {@code array<float>} column as a float[]. */
    static float[] floats(Row row, String column) {
        java.util.List<Object> list = row.getList(row.fieldIndex(column));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }
}
