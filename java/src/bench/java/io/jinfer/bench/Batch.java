package io.jinfer.bench;

import io.jinfer.Bundle;
import io.jinfer.DType;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;
import io.jinfer.npy.ParitySample;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of a bundle's inputs, made the same way for every bench model, as jinfer and the raw
 * runtimes take it: a float32 input is standard normal floats from a seed, in a direct native-order
 * buffer; a string input is the values of the bundle's parity sample for that input, in turn. The
 * jinfer tensors ({@link #tensors}) wrap the same memory the raw runtimes read.
 */
final class Batch {
    final int rows;

    /** By input name: what {@code Model.predict(Map)} takes. */
    final Map<String, Tensor> tensors;

    /** The float32 inputs' data, by input name (row-major). */
    final Map<String, FloatBuffer> floats;

    /** The string inputs' data, by input name (row-major). */
    final Map<String, String[]> strings;

    private Batch(
            int rows,
            Map<String, Tensor> tensors,
            Map<String, FloatBuffer> floats,
            Map<String, String[]> strings) {
        this.rows = rows;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.floats = floats;
        this.strings = strings;
    }

    /** Makes the batches of one bundle's inputs. */
    static final class Maker {
        private final List<TensorSpec> specs;
        private final Map<String, String[]> values = new LinkedHashMap<>();

        /**
         * @throws IllegalArgumentException for an input that is neither float32 nor string, of free
         *     inner dimensions, or a string input the parity sample lacks
         */
        Maker(Bundle bundle) {
            specs = bundle.manifest().inputs();
            Map<String, Tensor> sample = null;
            for (TensorSpec s : specs) {
                if (s.dtype() == DType.STRING) {
                    sample = sample == null ? ParitySample.inputs(bundle) : sample;
                    Tensor t = sample.get(s.name());
                    if (t == null || t.size() == 0) {
                        throw new IllegalArgumentException(
                                "string input '"
                                        + s.name()
                                        + "' has no values in the parity sample");
                    }
                    values.put(s.name(), t.toStringArray());
                } else if (s.dtype() != DType.FLOAT32) {
                    throw new IllegalArgumentException(
                            "the Java bench takes float32 and string inputs; '"
                                    + s.name()
                                    + "' is "
                                    + s.dtype());
                }
                if (!s.isBatched() || !s.hasFixedInnerDims()) {
                    throw new IllegalArgumentException(
                            "input '"
                                    + s.name()
                                    + "' needs a batch dimension and fixed inner ones");
                }
            }
        }

        List<TensorSpec> specs() {
            return specs;
        }

        /**
         * {@code rows} rows of every input; {@code seed} varies the values (the first float input's
         * floats come from {@code seed}, the next ones' from further seeds).
         */
        Batch make(int rows, long seed) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, FloatBuffer> floats = new LinkedHashMap<>();
            Map<String, String[]> strings = new LinkedHashMap<>();
            long next = seed;
            for (TensorSpec s : specs) {
                long[] shape = s.concreteShape(rows);
                int n = Math.toIntExact(Tensor.elementCount(shape));
                String[] known = values.get(s.name());
                if (known == null) {
                    ByteBuffer data = JavaBench.floats(n, next);
                    next += 1000;
                    tensors.put(s.name(), Tensor.wrap(data, DType.FLOAT32, shape));
                    floats.put(s.name(), data.asFloatBuffer());
                } else {
                    String[] v = new String[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = known[(int) ((i + seed) % known.length)];
                    }
                    tensors.put(s.name(), Tensor.ofStrings(v, shape));
                    strings.put(s.name(), v);
                }
            }
            return new Batch(rows, tensors, floats, strings);
        }
    }
}
