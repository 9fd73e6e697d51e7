package io.jinfer.spark;

import io.jinfer.Bundle;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Manifest;
import io.jinfer.Model;
import io.jinfer.Tensor;
import io.jinfer.TensorSpec;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.StructType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The SQL function of a bundle, one row per call. Its argument is the value of a one-input bundle's
 * input (an array, an ML Vector, a number or a string), or a struct whose fields are the inputs by
 * name ({@code named_struct('age', age, 'plan', plan)}, {@code struct(*)}). It returns a struct
 * with one field per output, and shares the JVM's model with {@link JinferTransformer}.
 */
final class RowUdf implements UDF1<Object, Row> {
    private static final long serialVersionUID = 1L;

    private final BundleRef bundle;
    private final ModelCache.Options options;
    private final byte[] manifestJson; // a Manifest is not Serializable: parsed again where used
    private final OutputColumn[] outputs;
    private final boolean skipBadRows;
    private transient Manifest manifest;
    private transient ThreadLocal<Bound> bound;

    RowUdf(BundleRef bundle, ModelCache.Options options, byte[] manifestJson, boolean skipBadRows) {
        this.bundle = bundle;
        this.options = options;
        this.manifestJson = manifestJson;
        this.manifest = Manifest.parse(manifestJson);
        this.outputs =
                ScoringPlan.bindOutputs(manifest, new StructType(), List.of(), List.of(), false);
        this.skipBadRows = skipBadRows;
    }

    /** The function of the bundle at {@code bundle}, read once here, on the driver. */
    static RowUdf of(SparkSession spark, String bundle, boolean skipBadRows) {
        BundleRef ref = BundleRef.resolve(bundle, spark.sparkContext().hadoopConfiguration());
        byte[] manifest;
        try (Bundle b = Bundle.open(ref.localPath())) {
            manifest = b.read(Bundle.MANIFEST);
        }
        return new RowUdf(ref, new ModelCache.Options(null, 1), manifest, skipBadRows);
    }

    /** The struct the function returns: one nullable field per output. */
    StructType returnType() {
        StructType t = new StructType();
        for (OutputColumn o : outputs) {
            t = t.add(o.column, o.sparkType(), true);
        }
        return t;
    }

    @Override
    public Row call(Object arg) {
        StructType schema = arg instanceof Row r ? r.schema() : null;
        Row row = schema != null ? (Row) arg : RowFactory.create(arg);
        Bound b = bind(schema);
        String problem = null;
        for (int i = 0; i < b.feeds.length && problem == null; i++) {
            problem = b.feeds[i].put(row, 0);
        }
        if (problem != null) {
            if (skipBadRows) {
                return null;
            }
            throw new InputException(
                    ErrorCode.INVALID_VALUE,
                    "the argument of bundle "
                            + manifest.name()
                            + "'s SQL function: "
                            + problem
                            + ". Fix the row, or register the function with onBadRow 'skip' for a"
                            + " null result");
        }
        Map<String, Tensor> in = new HashMap<>();
        for (int i = 0; i < b.feeds.length; i++) {
            in.put(b.inputs[i].input, b.feeds[i].tensor(1));
        }
        Map<String, Tensor> predicted;
        try {
            predicted = b.model.predict(in);
        } catch (InputException e) {
            if (skipBadRows) {
                return null;
            }
            throw e;
        }
        Object[] values = new Object[outputs.length];
        for (int k = 0; k < values.length; k++) {
            values[k] = outputs[k].values(predicted.get(outputs[k].output)).get(0);
        }
        return RowFactory.create(values);
    }

    /**
     * This thread's model and input buffers, bound to the argument: a struct's fields by name, or
     * the one input. Bound again when a call's struct has another schema.
     */
    private Bound bind(StructType schema) {
        synchronized (this) {
            if (bound == null) {
                bound = new ThreadLocal<>();
                manifest = Manifest.parse(manifestJson);
            }
        }
        Bound b = bound.get();
        if (b != null && Objects.equals(b.schema, schema)) {
            return b;
        }
        InputFeed[] inputs;
        if (schema != null) {
            inputs = ScoringPlan.bindInputs(manifest, schema, Map.of());
        } else if (manifest.inputs().size() == 1) {
            TensorSpec spec = manifest.inputs().get(0);
            inputs =
                    new InputFeed[] {
                        new InputFeed(
                                spec.name(),
                                spec.dtype(),
                                ScoringPlan.width(spec),
                                new int[] {0},
                                new String[] {"argument"})
                    };
        } else {
            throw new InputException(
                    ErrorCode.MISSING_INPUT,
                    "bundle "
                            + manifest.name()
                            + " has "
                            + manifest.inputs().size()
                            + " inputs; pass them as one struct, named_struct('"
                            + manifest.inputs().get(0).name()
                            + "', ...), or struct(*) of columns named as the inputs");
        }
        b = new Bound(schema, ModelCache.get(bundle, options), inputs);
        bound.set(b);
        return b;
    }

    /** One thread's model and one-row input buffers. */
    private static final class Bound {
        final StructType schema;
        final Model model;
        final InputFeed[] inputs;
        final InputFeed.Batch[] feeds;

        Bound(StructType schema, Model model, InputFeed[] inputs) {
            this.schema = schema;
            this.model = model;
            this.inputs = inputs;
            this.feeds = new InputFeed.Batch[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                feeds[i] = inputs[i].batch(1);
            }
        }
    }
}
