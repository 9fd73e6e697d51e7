package io.jinfer.spark;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.InputException;
import io.jinfer.Tensor;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.BeforeClass;
import org.junit.Test;

import java.util.List;
import java.util.Map;

/** The row-at-a-time SQL function, registered and called from Java. */
public class JinferSparkUdfTest {
    private static SparkSession spark;

    @BeforeClass
    public static void setUp() {
        spark = SparkTests.spark();
    }

    @Test
    public void aSqlFunctionReturnsTheOutputsAsAStruct() {
        String forest = SparkTests.bundle("forest");
        Tensor x = SparkTests.sample(forest).get("features");
        float[][] rows = x.toFloatMatrix();
        SparkTests.arrayRows(rows, DataTypes.DoubleType).createOrReplaceTempView("forest_rows");
        UserDefinedFunction udf = JinferSpark.registerUdf(spark, "forest", forest);
        List<Row> out =
                spark.sql("SELECT id, forest(features) AS r FROM forest_rows ORDER BY id")
                        .collectAsList();
        Map<String, Tensor> want = SparkTests.direct(forest, Map.of("features", x));
        long[] labels = want.get("label").toLongArray();
        float[][] proba = want.get("probabilities").toFloatMatrix();
        for (Row r : out) {
            int i = (int) r.getLong(0);
            Row struct = r.getStruct(1);
            assertEquals(labels[i], struct.getLong(struct.fieldIndex("label")));
            assertArrayEquals(proba[i], SparkTests.floats(struct, "probabilities"), 1e-6f);
        }
        // the same function in the DataFrame API
        Row first =
                spark.table("forest_rows")
                        .orderBy("id")
                        .select(udf.apply(functions.col("features")).getField("label"))
                        .first();
        assertEquals(labels[0], first.getLong(0));
    }

    @Test
    public void aStructOfNamedColumnsFeedsAMixedTypeBundle() {
        String mixed = SparkTests.bundle("mixed");
        Map<String, Tensor> inputs = SparkTests.sample(mixed);
        SparkTests.mixedRows(inputs, "color", 3).createOrReplaceTempView("mixed_rows");
        JinferSpark.registerUdf(spark, "mixed_skip", mixed, "skip");
        List<Row> out =
                spark.sql(
                                "SELECT id, mixed_skip(named_struct('color', color, 'size', size,"
                                        + " 'weight', weight)) AS r FROM mixed_rows ORDER BY id")
                        .collectAsList();
        long[] labels = SparkTests.direct(mixed, inputs).get("label").toLongArray();
        for (Row r : out) {
            int i = (int) r.getLong(0);
            if (i == 3) {
                assertNull("a null color under skip is a null result", r.get(1));
            } else {
                assertEquals(labels[i], r.getStruct(1).getLong(0));
            }
        }
        JinferSpark.registerUdf(spark, "mixed_error", mixed);
        Exception e = // Spark's SparkException: checked, thrown unchecked
                assertThrows(
                        Exception.class,
                        () ->
                                spark.sql(
                                                "SELECT mixed_error(struct(color, size, weight))"
                                                        + " FROM mixed_rows WHERE id = 3")
                                        .collectAsList());
        InputException cause = JinferTransformerTest.find(e, InputException.class);
        assertNotNull("no InputException in " + e, cause);
        assertTrue(cause.getMessage(), cause.getMessage().contains("column 'color' is null"));
    }
}
