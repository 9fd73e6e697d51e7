package io.jinfer;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.util.LinkedHashMap;
import java.util.Map;

public class OutputsTest {
    private static Map<String, Tensor> labelAndScores(Tensor scores) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("label", Tensor.of(new long[] {1, 0}));
        m.put("scores", scores);
        return m;
    }

    @Test
    public void twoClassScoresAreAVector() {
        Outputs out = Outputs.of(labelAndScores(Tensor.of(new float[] {0.5f, -1.25f})));
        assertArrayEquals(new long[] {1, 0}, out.labels());
        assertArrayEquals(new double[] {0.5, -1.25}, out.scores(), 0.0);
        assertArrayEquals(new String[] {"1", "0"}, out.labelStrings());
        IllegalStateException e = assertThrows(IllegalStateException.class, out::probabilities);
        assertTrue(e.getMessage(), e.getMessage().contains("[label, scores]"));
    }

    @Test
    public void scoresPerClassAreAMatrix() {
        Outputs out = Outputs.of(labelAndScores(Tensor.of(new float[][] {{1, 2, 3}, {-1, 0, 4}})));
        assertEquals(3.0, out.scoreMatrix()[0][2], 0.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, out::scores);
        assertTrue(e.getMessage(), e.getMessage().contains("scoreMatrix"));
    }

    @Test
    public void regressionAndTransformOutputs() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("prediction", Tensor.of(new double[] {1.5, 2.5}));
        m.put("embedding", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        Outputs out = Outputs.of(m);
        assertArrayEquals(new double[] {1.5, 2.5}, out.prediction(), 0.0);
        assertArrayEquals(new long[] {2, 2}, out.get("embedding").shape());
        assertEquals(2, out.asMap().size());
        assertThrows(IllegalStateException.class, out::predictionMatrix);
    }
}
