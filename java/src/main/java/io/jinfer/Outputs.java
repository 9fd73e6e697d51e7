package io.jinfer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed access to the canonical outputs of one {@link Model#predict} call (see {@code
 * docs/bundle-format.md}): a classifier's {@code label} with its {@code probabilities} or its
 * {@code scores} (the decision function of a classifier without probabilities, a clusterer or an
 * outlier detector), a regressor's {@code prediction}, and any transform output by name.
 *
 * <pre>{@code
 * Outputs out = Outputs.of(model.predict(Map.of("features", Tensor.of(rows))));
 * long[] labels = out.labels();
 * double[] margin = out.scores();          // two classes: [n], positive for classes().get(1)
 * double[][] perClass = out.scoreMatrix(); // more classes: [n, k], in classes() order
 * }</pre>
 *
 * <p>Each accessor copies out of the tensor; floats come out as doubles, whatever their width.
 * Asking for an output the model does not give, or in a form it does not have, throws {@link
 * IllegalStateException} naming what there is.
 */
public final class Outputs {
    private final Map<String, Tensor> tensors;

    private Outputs(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** The outputs of one predict call, by name. */
    public static Outputs of(Map<String, Tensor> outputs) {
        return new Outputs(outputs);
    }

    /** The outputs by name, in the manifest's order. */
    public Map<String, Tensor> asMap() {
        return tensors;
    }

    /**
     * The output called {@code name} (a transform's outputs keep their graph's names).
     *
     * @throws IllegalStateException if the model gives no such output
     */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalStateException(
                    "the model gives no output '" + name + "'; it gives " + tensors.keySet());
        }
        return t;
    }

    /** Integer class labels ({@code label} int64 {@code [n]}). */
    public long[] labels() {
        return get("label").toLongArray();
    }

    /** String class labels ({@code label} string {@code [n]}; numbers are formatted). */
    public String[] labelStrings() {
        return get("label").toStringArray();
    }

    /** {@code probabilities} {@code [n, k]}, columns in {@code classes} order. */
    public double[][] probabilities() {
        return get("probabilities").toDoubleMatrix();
    }

    /**
     * {@code scores} {@code [n]}: the decision function of a two-class classifier (positive for
     * {@code classes[1]}) or of an outlier detector (negative for outliers).
     *
     * @throws IllegalStateException if the scores are {@code [n, k]} (use {@link #scoreMatrix})
     */
    public double[] scores() {
        return vector("scores", "one column per class: use scoreMatrix()");
    }

    /** {@code scores} {@code [n, k]}: the decision function per class, in {@code classes} order. */
    public double[][] scoreMatrix() {
        return get("scores").toDoubleMatrix();
    }

    /** {@code prediction} {@code [n]}: one target. */
    public double[] prediction() {
        return vector("prediction", "several targets: use predictionMatrix()");
    }

    /** {@code prediction} {@code [n, t]}: several targets. */
    public double[][] predictionMatrix() {
        return get("prediction").toDoubleMatrix();
    }

    private double[] vector(String name, String otherwise) {
        Tensor t = get(name);
        if (t.rank() != 1) {
            throw new IllegalStateException(name + " is " + t + ", " + otherwise);
        }
        return t.toDoubleArray();
    }

    @Override
    public String toString() {
        return "Outputs" + tensors.values();
    }
}
