package io.jinfer.spark;

import io.jinfer.Bundle;
import io.jinfer.Manifest;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Spark ML {@code Transformer} that scores a DataFrame with a jinfer bundle, in the executor
 * JVMs: no Python worker, no Arrow round trip. It fits in a {@code Pipeline}, and saves and loads
 * with it ({@code MLWritable}/{@code MLReadable}; the bundle's location is saved, not the bundle).
 *
 * <pre>{@code
 * Dataset<Row> scored = new JinferTransformer()
 *         .setBundle("hdfs:///models/churn.jinfer")    // a local path, or any Hadoop FileSystem URI
 *         .setInputCol("features")                     // array<float|double> or ML Vector -> features
 *         .setOutputCols(new String[] {"churn", "churn_p"})   // label, probabilities
 *         .transform(df);
 * }</pre>
 *
 * <p><b>Inputs.</b> Each input of the bundle reads the column that {@link #setInputCols} maps to it
 * ({@link #setInputNames} says which inputs, in order; default: the bundle's inputs in order), or
 * for a one-input bundle {@link #setInputCol}; else the column of the input's own name; else, for
 * an input {@code [n, d]} whose spec names its columns, those scalar columns, assembled. An input
 * {@code [n, d]} takes an array or ML {@code Vector} column of {@code d} numbers; an input {@code
 * [n]} (a mixed-type table has one per column) takes a numeric or string column.
 *
 * <p><b>Outputs.</b> One column per output ({@link #setOutputNames}, default all; named by {@link
 * #setOutputCols}, default the outputs' names): {@code label} and a one-target {@code prediction}
 * as scalars, {@code probabilities}, {@code scores} and other outputs {@code [n, k]} as {@code
 * array<float>} (or {@code array<double>}), or as ML Vectors with {@link #setVectorOutputs}.
 *
 * <p><b>Scoring.</b> Each partition is scored in batches of {@link #setBatchSize} rows (default
 * 1,024) through one {@link io.jinfer.Model} per executor JVM, loaded on first use and cached by
 * the bundle's sha256 ({@link JinferSpark#modelLoads()} counts the loads). Each predict call uses
 * {@link #setIntraOpThreads} threads (default 1: Spark already runs one task per core).
 *
 * <p><b>Bad rows.</b> A null input, an array of the wrong length or a null inside an array is a bad
 * row. With {@code onBadRow = "error"} (the default) the task fails with an {@link
 * io.jinfer.InputException} that names the partition and the row's offset in it; with {@code
 * "skip"} the row is kept, with null outputs.
 */
public class JinferTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> bundle;
    private final Param<String> inputCol;
    private final StringArrayParam inputCols;
    private final StringArrayParam inputNames;
    private final StringArrayParam outputNames;
    private final StringArrayParam outputCols;
    private final BooleanParam vectorOutputs;
    private final IntParam batchSize;
    private final IntParam intraOpThreads;
    private final Param<String> backend;
    private final Param<String> onBadRow;

    /** A transformer with a random uid. */
    public JinferTransformer() {
        this(Identifiable.randomUID("jinfer"));
    }

    /** A transformer with the given uid (Spark's persistence makes them so). */
    public JinferTransformer(String uid) {
        this.uid = uid;
        bundle = new Param<>(this, "bundle", "the bundle: a local path or a Hadoop FileSystem URI");
        inputCol = new Param<>(this, "inputCol", "the column of a one-input bundle's input");
        inputCols =
                new StringArrayParam(
                        this, "inputCols", "the columns of the inputs inputNames names");
        inputNames =
                new StringArrayParam(
                        this, "inputNames", "the inputs inputCols feed (default: all, in order)");
        outputNames =
                new StringArrayParam(this, "outputNames", "the outputs to add (default: all)");
        outputCols =
                new StringArrayParam(
                        this, "outputCols", "the outputs' columns (default: the outputs' names)");
        vectorOutputs =
                new BooleanParam(this, "vectorOutputs", "float outputs [n, k] as ML Vectors");
        batchSize =
                new IntParam(this, "batchSize", "rows per predict call", ParamValidators.gtEq(1));
        intraOpThreads =
                new IntParam(
                        this,
                        "intraOpThreads",
                        "threads per predict call (0: the runtime chooses)",
                        ParamValidators.gtEq(0));
        backend = new Param<>(this, "backend", "the backend to use (empty: the first usable one)");
        onBadRow =
                new Param<>(
                        this,
                        "onBadRow",
                        "a null or malformed row: 'error' fails the task, 'skip' gives null"
                                + " outputs",
                        ParamValidators.inArray(new String[] {"error", "skip"}));
        setDefault(inputCols, new String[0]);
        setDefault(inputNames, new String[0]);
        setDefault(outputNames, new String[0]);
        setDefault(outputCols, new String[0]);
        setDefault(vectorOutputs, false);
        setDefault(batchSize, 1024);
        setDefault(intraOpThreads, 1);
        setDefault(backend, "");
        setDefault(onBadRow, "error");
    }

    /** Reads transformers that {@link #write()} saved. */
    public static MLReader<JinferTransformer> read() {
        return new Reader().read();
    }

    /** Loads a transformer saved at {@code path}. */
    public static JinferTransformer load(String path) {
        return read().load(path);
    }

    private static final class Reader implements DefaultParamsReadable<JinferTransformer> {}

    @Override
    public String uid() {
        return uid;
    }

    // ---------------------------------------------------------------- params

    /** The bundle: a local path or a URI of any Hadoop FileSystem the cluster reads. */
    public Param<String> bundle() {
        return bundle;
    }

    /** The column of a one-input bundle's input. */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** The columns that feed the inputs {@link #inputNames()} names. */
    public StringArrayParam inputCols() {
        return inputCols;
    }

    /** The inputs that {@link #inputCols()} feed, in order (default: all the bundle's). */
    public StringArrayParam inputNames() {
        return inputNames;
    }

    /** The outputs to add as columns (default: all). */
    public StringArrayParam outputNames() {
        return outputNames;
    }

    /** The columns of the outputs (default: the outputs' names). */
    public StringArrayParam outputCols() {
        return outputCols;
    }

    /** Whether float outputs {@code [n, k]} become ML Vectors (default: arrays). */
    public BooleanParam vectorOutputs() {
        return vectorOutputs;
    }

    /** Rows per predict call (default 1,024). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Threads per predict call (default 1). */
    public IntParam intraOpThreads() {
        return intraOpThreads;
    }

    /** The backend to load (default: the bundle's first usable one). */
    public Param<String> backend() {
        return backend;
    }

    /** The bad-row policy: {@code error} (default) or {@code skip}. */
    public Param<String> onBadRow() {
        return onBadRow;
    }

    /** Sets {@link #bundle()}. */
    public JinferTransformer setBundle(String value) {
        set(bundle, value);
        return this;
    }

    /** Sets {@link #inputCol()}. */
    public JinferTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /** Sets {@link #inputCols()}. */
    public JinferTransformer setInputCols(String[] value) {
        set(inputCols, value);
        return this;
    }

    /** Sets {@link #inputNames()}. */
    public JinferTransformer setInputNames(String[] value) {
        set(inputNames, value);
        return this;
    }

    /** Maps inputs to columns: sets {@link #inputNames()} and {@link #inputCols()}. */
    public JinferTransformer setInputMapping(Map<String, String> inputToColumn) {
        set(inputNames, inputToColumn.keySet().toArray(new String[0]));
        set(inputCols, inputToColumn.values().toArray(new String[0]));
        return this;
    }

    /** Sets {@link #outputNames()}. */
    public JinferTransformer setOutputNames(String[] value) {
        set(outputNames, value);
        return this;
    }

    /** Sets {@link #outputCols()}. */
    public JinferTransformer setOutputCols(String[] value) {
        set(outputCols, value);
        return this;
    }

    /** Sets {@link #vectorOutputs()}. */
    public JinferTransformer setVectorOutputs(boolean value) {
        set(vectorOutputs, value);
        return this;
    }

    /** Sets {@link #batchSize()}. */
    public JinferTransformer setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    /** Sets {@link #intraOpThreads()}. */
    public JinferTransformer setIntraOpThreads(int value) {
        set(intraOpThreads, value);
        return this;
    }

    /** Sets {@link #backend()}. */
    public JinferTransformer setBackend(String value) {
        set(backend, value);
        return this;
    }

    /** Sets {@link #onBadRow()}: {@code error} or {@code skip}. */
    public JinferTransformer setOnBadRow(String value) {
        set(onBadRow, value);
        return this;
    }

    /** The bundle's location. */
    public String getBundle() {
        return getOrDefault(bundle);
    }

    /** The batch size. */
    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    /** The bad-row policy. */
    public String getOnBadRow() {
        return getOrDefault(onBadRow);
    }

    // ---------------------------------------------------------------- transform

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        ScoringPlan plan = plan(dataset.schema(), dataset.sparkSession());
        StructType schema = plan.outputSchema(dataset.schema());
        Dataset<Row> in = dataset.toDF();
        if (in.isStreaming()) { // a stream plans each micro-batch itself: its rows go as Rows
            return in.mapPartitions(
                    new PartitionScorer.OfRows(plan, in.schema(), schema), Encoders.row(schema));
        }
        DeferredRows rows = DeferredRows.of(in);
        RDD<InternalRow> scored = rows.toJavaRDD().mapPartitions(new PartitionScorer(plan)).rdd();
        return ((org.apache.spark.sql.classic.SparkSession) in.sparkSession())
                .internalCreateDataFrame(scored, schema, false);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return plan(schema, SparkSession.getActiveSession().getOrElse(() -> null))
                .outputSchema(schema);
    }

    @Override
    public JinferTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** The plan for rows of {@code schema}: reads the bundle's manifest on the driver. */
    private ScoringPlan plan(StructType schema, SparkSession spark) {
        if (!isDefined(bundle)) {
            throw new IllegalArgumentException(
                    "JinferTransformer " + uid + ": set the bundle (setBundle) before transform");
        }
        Configuration hadoop =
                spark == null ? new Configuration() : spark.sparkContext().hadoopConfiguration();
        BundleRef ref = BundleRef.resolve(getBundle(), hadoop);
        Manifest manifest = manifestOf(ref);
        Map<String, String> mapping = new LinkedHashMap<>();
        String[] cols = getOrDefault(inputCols);
        if (cols.length > 0) {
            String[] names = getOrDefault(inputNames);
            List<String> inputs =
                    names.length > 0
                            ? Arrays.asList(names)
                            : manifest.inputs().stream().map(s -> s.name()).toList();
            if (inputs.size() != cols.length) {
                throw new IllegalArgumentException(
                        "inputCols: "
                                + cols.length
                                + " columns "
                                + Arrays.toString(cols)
                                + " for the inputs "
                                + inputs
                                + "; give one column per input (inputNames says which)");
            }
            for (int i = 0; i < cols.length; i++) {
                mapping.put(inputs.get(i), cols[i]);
            }
        } else if (isDefined(inputCol)) {
            if (manifest.inputs().size() != 1) {
                throw new IllegalArgumentException(
                        "inputCol: bundle "
                                + manifest.name()
                                + " has "
                                + manifest.inputs().size()
                                + " inputs; map them with setInputCols");
            }
            mapping.put(manifest.inputs().get(0).name(), getOrDefault(inputCol));
        }
        String chosen = getOrDefault(backend);
        return new ScoringPlan(
                ref,
                new ModelCache.Options(
                        chosen.isEmpty() ? null : chosen, (Integer) getOrDefault(intraOpThreads)),
                ScoringPlan.bindInputs(manifest, schema, mapping),
                ScoringPlan.bindOutputs(
                        manifest,
                        schema,
                        Arrays.asList(getOrDefault(outputNames)),
                        Arrays.asList(getOrDefault(outputCols)),
                        (Boolean) getOrDefault(vectorOutputs)),
                getBatchSize(),
                getOnBadRow().equals("skip"));
    }

    static Manifest manifestOf(BundleRef ref) {
        try (Bundle b = Bundle.open(ref.localPath())) {
            return b.manifest();
        }
    }
}
