package io.jinfer.bench;

import io.jinfer.TensorSpec;

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
 * the bundle's model.pmml. Each row: prepare every input field from its value (a float as a double,
 * or a string), {@code evaluate}, decode the target and read its class probabilities. One thread,
 * row after row.
 */
final class RawJpmml {
    /** The value a field takes in a row of one batch. */
    interface Column {
        Object value(int row);
    }

    private final Evaluator evaluator;
    private final List<InputField> fields;
    private final String[] inputs; // the bundle input that feeds each field
    private final int[] columns; // ... its column there (0 for a one-column input)
    private final int[] widths; // ... and its values per row
    private final String target;

    RawJpmml(byte[] pmml, List<TensorSpec> specs) throws Exception {
        evaluator =
                new LoadingModelEvaluatorBuilder()
                        .setLocatable(false)
                        .load(new ByteArrayInputStream(pmml))
                        .build();
        evaluator.verify();
        fields = evaluator.getInputFields();
        inputs = new String[fields.size()];
        columns = new int[fields.size()];
        widths = new int[fields.size()];
        for (int i = 0; i < inputs.length; i++) {
            String field = fields.get(i).getName();
            for (TensorSpec s : specs) {
                int at = s.columns() == null ? -1 : s.columns().indexOf(field);
                if (at >= 0 || (s.rank() == 1 && s.name().equals(field))) {
                    inputs[i] = s.name();
                    columns[i] = Math.max(at, 0);
                    widths[i] = s.rank() == 1 ? 1 : (int) s.shape()[1];
                }
            }
            if (inputs[i] == null) {
                throw new IllegalArgumentException(
                        "PMML field " + field + " is neither an input nor a column of " + specs);
            }
        }
        target = evaluator.getTargetFields().get(0).getName();
    }

    /** Each field's values in {@code batch}, in field order: made once, before timing. */
    Column[] columns(Batch batch) {
        Column[] out = new Column[inputs.length];
        for (int i = 0; i < out.length; i++) {
            int col = columns[i];
            int width = widths[i];
            FloatBuffer floats = batch.floats.get(inputs[i]);
            String[] strings = batch.strings.get(inputs[i]);
            out[i] =
                    floats != null
                            ? row -> (double) floats.get(row * width + col)
                            : row -> strings[row * width + col];
        }
        return out;
    }

    /**
     * Evaluates rows {@code 0..n-1} of {@code columns} (of {@link #columns}); returns a checksum.
     */
    long predict(Column[] columns, int n) {
        long sum = 0;
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int row = 0; row < n; row++) {
            arguments.clear();
            for (int i = 0; i < columns.length; i++) {
                InputField f = fields.get(i);
                arguments.put(f.getName(), f.prepare(columns[i].value(row)));
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
