package io.jinfer.bench;

import org.jpmml.evaluator.Evaluator;
import org.jpmml.evaluator.EvaluatorUtil;
import org.jpmml.evaluator.HasProbability;
import org.jpmml.evaluator.InputField;
import org.jpmml.evaluator.LoadingModelEvaluatorBuilder;

import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The anchor for the PMML backend: JPMML-Evaluator used directly, as its documentation shows, on
 * the bundle's model.pmml. Each row: prepare every input field, {@code evaluate}, decode the target
 * and read its class probabilities. One thread, row after row.
 */
final class RawJpmml {
    private final Evaluator evaluator;
    private final List<InputField> fields;
    private final int[] columns; // the column of the [n, f] input that feeds each field
    private final String target;

    RawJpmml(byte[] pmml, List<String> columnNames) throws Exception {
        evaluator =
                new LoadingModelEvaluatorBuilder()
                        .setLocatable(false)
                        .load(new ByteArrayInputStream(pmml))
                        .build();
        evaluator.verify();
        fields = evaluator.getInputFields();
        columns = new int[fields.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = columnNames.indexOf(fields.get(i).getName());
            if (columns[i] < 0) {
                throw new IllegalArgumentException(
                        "PMML field " + fields.get(i).getName() + " is not among " + columnNames);
            }
        }
        target = evaluator.getTargetFields().get(0).getName();
    }

    /**
     * Evaluates rows {@code 0..n-1} of {@code data} (row-major, {@code width} columns); returns a
     * checksum.
     */
    long predict(FloatBuffer data, int n, int width) {
        long sum = 0;
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int row = 0; row < n; row++) {
            arguments.clear();
            for (int i = 0; i < columns.length; i++) {
                InputField f = fields.get(i);
                arguments.put(f.getName(), f.prepare((double) data.get(row * width + columns[i])));
            }
            Map<String, ?> results = evaluator.evaluate(arguments);
            Object result = results.get(target);
            Object label = EvaluatorUtil.decode(result);
            double p = 0;
            if (result instanceof HasProbability) {
                HasProbability hp = (HasProbability) result;
                for (Object c : hp.getCategories()) {
                    p += hp.getProbability(c);
                }
            }
            sum += (label == null ? 0 : label.hashCode()) + (long) p;
        }
        return sum;
    }
}
