package io.jinfer.onnx;

import ai.onnxruntime.OrtException;

import com.fasterxml.jackson.databind.JsonNode;

import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Manifest;
import io.jinfer.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns ONNX Runtime's failure on a category that a model's encoder was not built with into an
 * {@link InputException} that names the row, the input and the value. ONNX Runtime's own message
 * names none of them; the exporter lists the categories each refusing encoder knows in the
 * artifact's {@code refused_categories}.
 */
final class UnknownCategories {
    /** What ONNX Runtime's OneHotEncoder says of a category it was not built with (zeros = 0). */
    private static final String UNKNOWN_CATEGORY = "Unknown Category";

    private final List<Encoder> encoders;

    /**
     * The categories an encoder of the model knows for one column of a string input, refusing
     * others.
     *
     * @param input the string input
     * @param column the column of that input the encoder reads
     * @param known the categories it was built with
     */
    private record Encoder(String input, int column, Set<String> known) {}

    private UnknownCategories(List<Encoder> encoders) {
        this.encoders = encoders;
    }

    /** The refusing encoders an artifact lists; none for a bundle that does not list them. */
    static UnknownCategories of(Manifest.Artifact artifact) {
        List<Encoder> found = new ArrayList<>();
        for (JsonNode c : artifact.details().path("refused_categories")) {
            Set<String> known = new HashSet<>();
            c.path("categories").forEach(v -> known.add(v.asText()));
            found.add(new Encoder(c.path("input").asText(), c.path("column").asInt(0), known));
        }
        return new UnknownCategories(found);
    }

    /** Whether ONNX Runtime failed because an encoder met a category it does not know. */
    static boolean isRaisedBy(OrtException e) {
        return String.valueOf(e.getMessage()).contains(UNKNOWN_CATEGORY);
    }

    /**
     * The first value an encoder refuses, by row, input and value; or, for a bundle that does not
     * list its encoders' categories, the string inputs that may hold it.
     */
    InputException diagnose(Map<String, Tensor> inputs, OrtException e) {
        for (Encoder c : encoders) {
            Tensor t = inputs.get(c.input());
            if (t == null || !t.isString()) {
                continue;
            }
            String[] values = t.toStringArray();
            int width = t.rank() == 2 ? (int) t.dim(1) : 1;
            for (int row = 0; row * width + c.column() < values.length; row++) {
                String v = values[row * width + c.column()];
                if (!c.known().contains(v)) {
                    return new InputException(
                            ErrorCode.INVALID_VALUE,
                            "row "
                                    + row
                                    + ", input '"
                                    + c.input()
                                    + "'"
                                    + (t.rank() == 2 ? " column " + c.column() : "")
                                    + ": category \""
                                    + v
                                    + "\" was not seen in training, and the model's encoder refuses"
                                    + " unknown categories (scikit-learn:"
                                    + " handle_unknown=\"error\"); known: "
                                    + new TreeSet<>(c.known()));
                }
            }
        }
        return new InputException(
                ErrorCode.INVALID_VALUE,
                "a string input "
                        + stringInputs(inputs)
                        + " holds a category the model was not trained on, and its encoder refuses"
                        + " unknown categories (scikit-learn: handle_unknown=\"error\"); ONNX"
                        + " Runtime: "
                        + e.getMessage());
    }

    /** The names of the string inputs, for an error about categories. */
    private static List<String> stringInputs(Map<String, Tensor> inputs) {
        List<String> names = new ArrayList<>();
        inputs.forEach(
                (name, t) -> {
                    if (t.isString()) {
                        names.add(name);
                    }
                });
        return names;
    }
}
