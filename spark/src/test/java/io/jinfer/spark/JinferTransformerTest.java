package io.jinfer.spark;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jinfer.InputException;
import io.jinfer.Tensor;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** JinferTransformer in an embedded local[2] Spark, on bundles the Python exporter made. */
public class JinferTransformerTest {
    private static final int D = 12;
    private static SparkSession spark;
    private static String forest;
    private static float[][] rows; // the forest bundle's parity sample
    private static Map<String, Tensor> expected; // the bundle's model on those rows, outside Spark

    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void setUp() {
        spark = SparkTests.spark();
        forest = SparkTests.bundle("forest");
        Tensor x = SparkTests.sample(forest).get("features");
        rows = x.toFloatMatrix();
        expected = SparkTests.direct(forest, Map.of("features", x));
    }

    /**
     * The sample as a DataFrame (id, features {@code array<float>}), in {@code partitions}
     * partitions.
     */
    private static Dataset<Row> arrays(int partitions) {
        return SparkTests.arrayRows(rows, DataTypes.FloatType)
                .repartition(partitions)
                .sortWithinPartitions("id");
    }

    private static void assertMatchesModel(List<Row> scored, String labelCol, String probaCol) {
        long[] labels = expected.get("label").toLongArray();
        float[][] proba = expected.get("probabilities").toFloatMatrix();
        assertEquals(rows.length, scored.size());
        for (Row r : scored) {
            int i = (int) r.getLong(r.fieldIndex("id"));
            assertEquals("row " + i, labels[i], r.getLong(r.fieldIndex(labelCol)));
            assertArrayEquals("row " + i, proba[i], SparkTests.floats(r, probaCol), 1e-6f);
        }
    }

    @Test
    public void scoresArrayColumnsInBatchesAsTheModelDoes() {
        Dataset<Row> out =
                new JinferTransformer()
                        .setBundle(forest)
                        .setInputCol("features")
                        .setOutputCols(new String[] {"churn", "churn_p"})
                        .setBatchSize(7) // batches that straddle partitions' ends
                        .transform(arrays(3));
        assertEquals(DataTypes.LongType, out.schema().apply("churn").dataType());
        assertEquals(
                DataTypes.createArrayType(DataTypes.FloatType, false),
                out.schema().apply("churn_p").dataType());
        assertMatchesModel(out.collectAsList(), "churn", "churn_p");
    }

    @Test
    public void everyNumericArrayTypeFeedsTheModelAlike() {
        // array<float> with nulls allowed (the other tests), array<double> (converted value by
        // value) and array<float> of no nulls (no null checks): all score as the model does
        Dataset<Row> doubles = SparkTests.arrayRows(rows, DataTypes.DoubleType);
        assertEquals(
                DataTypes.createArrayType(DataTypes.DoubleType),
                doubles.schema().apply("features").dataType());
        assertMatchesModel(
                new JinferTransformer().setBundle(forest).transform(doubles).collectAsList(),
                "label",
                "probabilities");
        Dataset<Row> notNull =
                arrays(2)
                        .selectExpr(
                                "id",
                                "transform(features, x -> coalesce(x, cast(0 AS float)))"
                                        + " AS features");
        assertEquals(
                DataTypes.createArrayType(DataTypes.FloatType, false),
                notNull.schema().apply("features").dataType());
        assertMatchesModel(
                new JinferTransformer().setBundle(forest).transform(notNull).collectAsList(),
                "label",
                "probabilities");
    }

    @Test
    public void takesTheBundleAsAFileUri() {
        Dataset<Row> out =
                new JinferTransformer()
                        .setBundle(Path.of(forest).toUri().toString()) // file:///...
                        .transform(arrays(2));
        assertMatchesModel(out.collectAsList(), "label", "probabilities");
    }

    @Test
    public void vectorsInAndOut() {
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            double[] d = new double[D];
            for (int j = 0; j < D; j++) {
                d[j] = rows[i][j];
            }
            data.add(RowFactory.create((long) i, Vectors.dense(d)));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType)
                        .add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
        List<Row> out =
                new JinferTransformer()
                        .setBundle(forest)
                        .setVectorOutputs(true)
                        .transform(spark.createDataFrame(data, schema))
                        .collectAsList();
        float[][] proba = expected.get("probabilities").toFloatMatrix();
        for (Row r : out) {
            int i = (int) r.getLong(0);
            Vector p = (Vector) r.get(r.fieldIndex("probabilities"));
            for (int k = 0; k < p.size(); k++) {
                assertEquals(proba[i][k], p.apply(k), 1e-6);
            }
        }
    }

    @Test
    public void assemblesTheNamedScalarColumnsOfFeatures() {
        List<Row> data = new ArrayList<>();
        StructType schema = new StructType().add("id", DataTypes.LongType);
        for (int j = 0; j < D; j++) {
            schema = schema.add("x" + (j + 1), DataTypes.DoubleType); // the spec's column names
        }
        for (int i = 0; i < rows.length; i++) {
            Object[] values = new Object[D + 1];
            values[0] = (long) i;
            for (int j = 0; j < D; j++) {
                values[j + 1] = (double) rows[i][j];
            }
            data.add(RowFactory.create(values));
        }
        Dataset<Row> out =
                new JinferTransformer()
                        .setBundle(forest)
                        .transform(spark.createDataFrame(data, schema));
        assertMatchesModel(out.collectAsList(), "label", "probabilities");
    }

    @Test
    public void assemblesColumnsOfEveryNumericType() {
        // x1 a decimal, x2 a float, x3 an integer column of values the model sees as they are
        float[][] ints = new float[rows.length][];
        List<Row> data = new ArrayList<>();
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType)
                        .add("x1", DataTypes.createDecimalType(38, 18))
                        .add("x2", DataTypes.FloatType)
                        .add("x3", DataTypes.IntegerType);
        for (int j = 4; j <= D; j++) {
            schema = schema.add("x" + j, DataTypes.DoubleType);
        }
        for (int i = 0; i < rows.length; i++) {
            ints[i] = rows[i].clone();
            ints[i][2] = Math.round(rows[i][2]);
            Object[] values = new Object[D + 1];
            values[0] = (long) i;
            values[1] = new java.math.BigDecimal(rows[i][0]);
            values[2] = rows[i][1];
            values[3] = (int) ints[i][2];
            for (int j = 3; j < D; j++) {
                values[j + 1] = (double) rows[i][j];
            }
            data.add(RowFactory.create(values));
        }
        Map<String, Tensor> want = SparkTests.direct(forest, Map.of("features", Tensor.of(ints)));
        long[] labels = want.get("label").toLongArray();
        float[][] proba = want.get("probabilities").toFloatMatrix();
        List<Row> out =
                new JinferTransformer()
                        .setBundle(forest)
                        .transform(spark.createDataFrame(data, schema))
                        .collectAsList();
        assertEquals(rows.length, out.size());
        for (Row r : out) {
            int i = (int) r.getLong(0);
            assertEquals("row " + i, labels[i], r.getLong(r.fieldIndex("label")));
            assertArrayEquals("row " + i, proba[i], SparkTests.floats(r, "probabilities"), 1e-6f);
        }
    }

    @Test
    public void transformRunsNoJobUntilAnActionAsks() {
        Dataset<Row> shuffled = arrays(3).repartition(5); // a shuffle, which plans by running
        int before = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
        Dataset<Row> out = new JinferTransformer().setBundle(forest).transform(shuffled);
        out.schema();
        assertEquals(before, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length);
        assertMatchesModel(out.collectAsList(), "label", "probabilities");
    }

    @Test
    public void scoresAStream() throws Exception {
        String dir = tmp.newFolder("stream-in").toString();
        Dataset<Row> sample = arrays(2);
        sample.write().mode("overwrite").parquet(dir);
        Dataset<Row> stream = spark.readStream().schema(sample.schema()).parquet(dir);
        org.apache.spark.sql.streaming.StreamingQuery query =
                new JinferTransformer()
                        .setBundle(forest)
                        .setBatchSize(16)
                        .transform(stream)
                        .writeStream()
                        .format("memory")
                        .queryName("jinfer_scored_stream")
                        .trigger(org.apache.spark.sql.streaming.Trigger.AvailableNow())
                        .start();
        query.awaitTermination();
        assertMatchesModel(
                spark.table("jinfer_scored_stream").collectAsList(), "label", "probabilities");
    }

    @Test
    public void mixedTypeTableWithStrings() throws Exception {
        String mixed = SparkTests.bundle("mixed");
        Map<String, Tensor> inputs = SparkTests.sample(mixed);
        Dataset<Row> out =
                new JinferTransformer()
                        .setBundle(mixed)
                        .setInputMapping(Map.of("color", "shade")) // the others by their names
                        .transform(SparkTests.mixedRows(inputs, "shade", -1).repartition(2));
        Map<String, Tensor> want = SparkTests.direct(mixed, inputs);
        long[] labels = want.get("label").toLongArray();
        float[][] proba = want.get("probabilities").toFloatMatrix();
        for (Row r : out.collectAsList()) {
            int i = (int) r.getLong(0);
            assertEquals(labels[i], r.getLong(r.fieldIndex("label")));
            assertArrayEquals(proba[i], SparkTests.floats(r, "probabilities"), 1e-6f);
        }
    }

    @Test
    public void loadsTheModelOncePerJvmWhateverTheTasks() {
        JinferSpark.clearModelCache();
        long before = JinferSpark.modelLoads();
        JinferTransformer t = new JinferTransformer().setBundle(forest).setBatchSize(16);
        for (int job = 0; job < 2; job++) {
            assertEquals(rows.length, t.transform(arrays(8)).count()); // 8 tasks, 2 at a time
        }
        assertEquals(1, JinferSpark.modelLoads() - before);
        assertEquals(1, JinferSpark.cachedModels());
        t.setIntraOpThreads(2).transform(arrays(2)).count(); // other load options: a second model
        assertEquals(2, JinferSpark.modelLoads() - before);
    }

    /** The sample with row 5 null and row 9 one value short, in one partition. */
    private static Dataset<Row> withBadRows() {
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<Float> values = new ArrayList<>();
            for (int j = 0; j < (i == 9 ? D - 1 : D); j++) {
                values.add(rows[i][j]);
            }
            data.add(RowFactory.create((long) i, i == 5 ? null : values));
        }
        StructType schema =
                new StructType()
                        .add("id", DataTypes.LongType)
                        .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        return spark.createDataFrame(data, schema).coalesce(1);
    }

    @Test
    public void aBadRowFailsTheTaskNamingPartitionAndRow() {
        Dataset<Row> out = new JinferTransformer().setBundle(forest).transform(withBadRows());
        try {
            out.collectAsList();
            fail("a null features row was scored");
        } catch (Exception e) { // Spark throws its SparkException, a checked one, unchecked
            InputException cause = find(e, InputException.class);
            assertNotNull("no InputException in " + e, cause);
            assertTrue(cause.getMessage(), cause.getMessage().contains("partition 0, row 5"));
            assertTrue(
                    cause.getMessage(), cause.getMessage().contains("column 'features' is null"));
        }
        Dataset<Row> shortRow =
                new JinferTransformer().setBundle(forest).transform(withBadRows().where("id <> 5"));
        Exception e = assertThrows(Exception.class, shortRow::collectAsList);
        InputException cause = find(e, InputException.class);
        assertNotNull(cause);
        assertTrue(cause.getMessage(), cause.getMessage().contains("row 8"));
        assertTrue(cause.getMessage(), cause.getMessage().contains("has 11 values; expected 12"));
    }

    @Test
    public void skipGivesBadRowsNullOutputsAndScoresTheRest() {
        List<Row> out =
                new JinferTransformer()
                        .setBundle(forest)
                        .setOnBadRow("skip")
                        .setBatchSize(4)
                        .transform(withBadRows())
                        .orderBy("id")
                        .collectAsList();
        long[] labels = expected.get("label").toLongArray();
        assertEquals(20, out.size());
        for (Row r : out) {
            int i = (int) r.getLong(0);
            if (i == 5 || i == 9) {
                assertNull(r.get(r.fieldIndex("label")));
                assertNull(r.get(r.fieldIndex("probabilities")));
            } else {
                assertEquals("row " + i, labels[i], r.getLong(r.fieldIndex("label")));
            }
        }
    }

    @Test
    public void aSavedPipelineLoadsAndScoresAlike() throws Exception {
        JinferTransformer t =
                new JinferTransformer()
                        .setBundle(forest)
                        .setOutputNames(new String[] {"probabilities"})
                        .setOutputCols(new String[] {"p"})
                        .setBatchSize(50);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {t}).fit(arrays(2));
        String dir = tmp.newFolder("pipeline").toString();
        fitted.write().overwrite().save(dir);
        PipelineModel loaded = PipelineModel.load(dir);
        JinferTransformer back = (JinferTransformer) loaded.stages()[0];
        assertEquals(forest, back.getBundle());
        assertEquals(50, back.getBatchSize());
        assertEquals(t.uid(), back.uid());
        List<Row> out = loaded.transform(arrays(2)).orderBy("id").collectAsList();
        assertEquals(
                Arrays.asList("id", "features", "p"),
                Arrays.asList(out.get(0).schema().fieldNames()));
        float[][] proba = expected.get("probabilities").toFloatMatrix();
        for (Row r : out) {
            assertArrayEquals(proba[(int) r.getLong(0)], SparkTests.floats(r, "p"), 1e-6f);
        }
    }

    @Test
    public void theDriverRefusesWhatCannotBeScored() {
        InputException missing =
                assertThrows(
                        InputException.class,
                        () ->
                                new JinferTransformer()
                                        .setBundle(forest)
                                        .setInputCol("nope")
                                        .transform(arrays(1)));
        assertTrue(missing.getMessage(), missing.getMessage().contains("no column 'nope'"));
        Dataset<Row> strings = spark.sql("SELECT 'a' AS features");
        InputException type =
                assertThrows(
                        InputException.class,
                        () -> new JinferTransformer().setBundle(forest).transform(strings));
        assertTrue(type.getMessage(), type.getMessage().contains("column 'features' is string"));
        IllegalArgumentException clash =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new JinferTransformer()
                                        .setBundle(forest)
                                        .setOutputCols(new String[] {"id", "p"})
                                        .transform(arrays(1)));
        assertTrue(clash.getMessage(), clash.getMessage().contains("'id' exists already"));
        assertThrows(
                io.jinfer.BundleException.class,
                () -> new JinferTransformer().setBundle(forest + ".nope").transform(arrays(1)));
    }

    static <T extends Throwable> T find(Throwable e, Class<T> kind) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (kind.isInstance(t)) {
                return kind.cast(t);
            }
        }
        return null;
    }
}
