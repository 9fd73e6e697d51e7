package io.jinfer.mojo;

import io.jinfer.BundleException;
import io.jinfer.DType;
import io.jinfer.ErrorCode;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.spi.NamedTensors;
import io.jinfer.spi.OutputBuffers;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * One batch's canonical outputs, written row by row: {@code label} (the class at genmodel's label
 * index, as a string or an int64) and {@code probabilities} {@code [n, k]}, or {@code prediction}
 * {@code [n]}, each in the manifest's dtype.
 */
final class MojoOutputs {
    /**
     * What the manifest asks for.
     *
     * @param label the label spec, or null (a regression)
     * @param probabilities the probabilities spec, or null
     * @param prediction the prediction spec, or null (a classifier)
     * @param classes the classes, in the order of the probability columns
     * @param oneRowLabels by class, the label tensor of a batch of one row of that class (tensors
     *     are immutable, so a batch of one shares it), or null (a regression)
     * @param pair the names of a classifier's two outputs, label first, or null
     */
    record Shape(
            TensorSpec label,
            TensorSpec probabilities,
            TensorSpec prediction,
            List<Object> classes,
            Tensor[] oneRowLabels,
            String[] pair) {}

    static Shape shape(Manifest manifest) {
        TensorSpec label = manifest.output("label");
        TensorSpec probabilities = manifest.output("probabilities");
        TensorSpec prediction = manifest.output("prediction");
        TensorSpec floats = prediction != null ? prediction : probabilities;
        Shape s =
                new Shape(
                        label,
                        probabilities,
                        prediction,
                        manifest.classes(),
                        label == null ? null : oneRowLabels(label, manifest.classes()),
                        label == null || floats == null
                                ? null
                                : new String[] {label.name(), floats.name()});
        for (TensorSpec spec : manifest.outputs()) {
            boolean known =
                    spec == s.label()
                            ? spec.dtype() == DType.STRING || spec.dtype() == DType.INT64
                            : (spec == s.probabilities() || spec == s.prediction())
                                    && (spec.dtype() == DType.FLOAT32
                                            || spec.dtype() == DType.FLOAT64);
            if (!known) {
                throw new BundleException(
                        ErrorCode.UNSUPPORTED_ARTIFACT,
                        "output "
                                + spec
                                + ": the mojo backend gives label (string or int64),"
                                + " probabilities and prediction (float32 or float64)");
            }
        }
        if (s.label() != null
                && s.label().dtype() == DType.INT64
                && !s.classes().stream().allMatch(c -> c instanceof Long)) {
            throw new BundleException(
                    ErrorCode.INVALID_MANIFEST,
                    "output label is int64, but the classes " + s.classes() + " are not integers");
        }
        return s;
    }

    private static Tensor[] oneRowLabels(TensorSpec label, List<Object> classes) {
        Tensor[] out = new Tensor[classes.size()];
        for (int j = 0; j < out.length; j++) {
            Object c = classes.get(j);
            out[j] =
                    label.dtype() == DType.STRING
                            ? Tensor.ofStrings(new String[] {String.valueOf(c)}, 1)
                            : c instanceof Long l ? Tensor.of(new long[] {l}, 1) : null;
        }
        return out;
    }

    private final Shape shape;
    private final int n;
    private final int k;
    private final boolean oneRow; // a batch of one: its label is a shared tensor (Shape)
    private int oneRowLabel; // that row's label index
    private final String[] labelStrings;
    private final ByteBuffer labelLongs; // int64 labels, from the call's buffers as values are
    private final TensorSpec floats; // probabilities or prediction
    private final ByteBuffer values; // its elements: direct, native order, from the call's buffers
    private final boolean doubles;

    /**
     * Outputs for {@code n} rows, the floating one written into a buffer from {@code buffers}
     * (fresh for {@code predict}, the model's pool for {@code run}).
     */
    MojoOutputs(Shape shape, int n, OutputBuffers buffers) {
        this.shape = shape;
        this.n = n;
        this.k = shape.classes().size();
        this.oneRow = n == 1 && shape.label() != null;
        boolean strings = shape.label() != null && shape.label().dtype() == DType.STRING;
        boolean labels = shape.label() != null && !oneRow;
        this.labelStrings = labels && strings ? new String[n] : null;
        this.labelLongs = labels && !strings ? buffers.take(n * 8) : null;
        this.floats = shape.prediction() != null ? shape.prediction() : shape.probabilities();
        this.doubles = floats != null && floats.dtype() == DType.FLOAT64;
        int count = shape.prediction() != null ? n : n * k;
        this.values = floats != null ? buffers.take(count * (doubles ? 8 : 4)) : null;
    }

    private void put(int index, double v) {
        if (doubles) {
            values.putDouble(index * 8, v);
        } else {
            values.putFloat(index * 4, (float) v);
        }
    }

    void classified(int row, int labelIndex, double[] probabilities) {
        classified(row, labelIndex, probabilities, 0);
    }

    /** A row's class, and its probabilities from {@code probabilities[from]} on. */
    void classified(int row, int labelIndex, double[] probabilities, int from) {
        Object label = shape.classes().get(labelIndex);
        if (oneRow) {
            oneRowLabel = labelIndex;
        } else if (labelStrings != null) {
            labelStrings[row] = (String) label;
        } else if (labelLongs != null) {
            labelLongs.putLong(row * 8, (Long) label);
        }
        for (int j = 0; values != null && j < k; j++) {
            put(row * k + j, probabilities[from + j]);
        }
    }

    void predicted(int row, double value) {
        put(row, value);
    }

    /** The outputs by name (Model puts them in spec order). */
    Map<String, Tensor> tensors() {
        Tensor label = null;
        if (oneRow) {
            label = shape.oneRowLabels()[oneRowLabel];
        } else if (shape.label() != null) {
            label =
                    labelStrings != null
                            ? Tensor.ofStrings(labelStrings, n)
                            : Tensor.wrap(labelLongs, DType.INT64, n);
        }
        Tensor f =
                floats != null
                        ? Tensor.wrap(values, floats.dtype(), floats.concreteShape(n))
                        : null;
        if (label == null) {
            return Map.of(floats.name(), f);
        }
        return f == null
                ? Map.of("label", label)
                : new NamedTensors(shape.pair(), new Tensor[] {label, f});
    }
}
