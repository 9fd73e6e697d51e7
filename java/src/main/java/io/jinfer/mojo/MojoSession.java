package io.jinfer.mojo;

import hex.ModelCategory;
import hex.genmodel.GenModel;
import hex.genmodel.InMemoryMojoReaderBackend;
import hex.genmodel.ModelMojoReader;
import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import hex.genmodel.easy.exception.PredictUnknownCategoricalLevelException;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import hex.genmodel.easy.prediction.MultinomialModelPrediction;
import hex.genmodel.easy.prediction.OrdinalModelPrediction;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.InputException;
import io.jinfer.Manifest;
import io.jinfer.Tensor;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.OutputBuffers;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * An H2O MOJO behind a manifest's canonical names: {@code label} and {@code probabilities} for a
 * binomial, multinomial or ordinal model, {@code prediction} for a regression. A batch is scored on
 * the calling thread, row by row, as one {@link EasyPredictModelWrapper} scores it: each row
 * written into {@code GenModel.score0}'s {@code double[]} by genmodel's own categorical encoders,
 * or, for a MOJO with a row converter of its own, through a {@link RowData} and the wrapper. The
 * outputs are written straight into the canonical tensors, the classes in the manifest's order
 * (which is the MOJO's response domain).
 *
 * <p>Thread safety: genmodel's wrapper is read-only after it is made, and its MOJOs score
 * concurrently, except those whose {@code internal_threadSafeInstance()} is a copy (H2O's GAM):
 * those get one wrapper per calling thread.
 */
final class MojoSession implements BackendSession {
    private static final Set<ModelCategory> CLASSIFIERS =
            Set.of(ModelCategory.Binomial, ModelCategory.Multinomial, ModelCategory.Ordinal);

    private final MojoColumns columns;
    private final ModelCategory category;
    private final MojoOutputs.Shape shape;
    private final EasyPredictModelWrapper shared; // null when each thread has its own
    private final ThreadLocal<EasyPredictModelWrapper> perThread;
    private final String where;
    private final boolean unknownLevelsToNa;
    private final boolean classifier;
    private final ThreadLocal<Scratch> scratch;
    private volatile boolean closed;

    /**
     * A calling thread's own: the holder of its batch's tensors, and score0's row and predictions,
     * overwritten by every row.
     */
    private static final class Scratch {
        final MojoColumns.Rows rows;
        final double[] raw;
        final double[] preds;

        Scratch(MojoColumns columns, int predictions) {
            rows = columns.rows();
            raw = new double[columns.rawWidth()];
            preds = new double[predictions];
        }
    }

    private MojoSession(
            MojoColumns columns,
            ModelCategory category,
            MojoOutputs.Shape shape,
            EasyPredictModelWrapper shared,
            ThreadLocal<EasyPredictModelWrapper> perThread,
            String where,
            boolean unknownLevelsToNa,
            int predictions) {
        this.columns = columns;
        this.category = category;
        this.shape = shape;
        this.shared = shared;
        this.perThread = perThread;
        this.where = where;
        this.unknownLevelsToNa = unknownLevelsToNa;
        this.classifier = CLASSIFIERS.contains(category);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(columns, predictions));
    }

    static MojoSession open(ArtifactContext ctx) {
        Manifest manifest = ctx.manifest();
        String where = ctx.artifact().path();
        MojoArchive archive = MojoArchive.read(ctx.bytes(), where, ctx.options().maxBundleBytes());
        MojoModel model = read(archive, where);
        ModelCategory category = model.getModelCategory();
        boolean classifier = CLASSIFIERS.contains(category);
        if (!classifier && category != ModelCategory.Regression) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    where
                            + " is an H2O "
                            + archive.algorithm()
                            + " MOJO of category "
                            + category
                            + "; the mojo backend runs Binomial, Multinomial, Ordinal and"
                            + " Regression models");
        }
        if (model.requiresOffset()) {
            throw new BundleException(
                    ErrorCode.UNSUPPORTED_ARTIFACT,
                    where
                            + " needs the offset column '"
                            + model.getOffsetName()
                            + "', which the mojo backend has no input for");
        }
        String task = classifier ? "classification" : "regression";
        if (!task.equals(manifest.task())) {
            throw new BundleException(
                    ErrorCode.INVALID_MANIFEST,
                    where
                            + " is an H2O "
                            + category
                            + " model, but the manifest's task is "
                            + manifest.task());
        }
        if (classifier) {
            checkClasses(model, manifest, where);
        }
        MojoColumns columns = MojoColumns.bind(model, manifest, where);
        boolean toNa = unknownLevelsToNa(ctx);
        EasyPredictModelWrapper shared = null;
        ThreadLocal<EasyPredictModelWrapper> perThread = null;
        if (threadSafe(model)) {
            shared = wrapper(model, toNa);
        } else {
            perThread = ThreadLocal.withInitial(() -> wrapper(copyOf(model), toNa));
        }
        return new MojoSession(
                columns,
                category,
                MojoOutputs.shape(manifest),
                shared,
                perThread,
                where,
                toNa,
                model.getPredsSize(category));
    }

    /** The MOJO parsed by genmodel, or the reason it cannot be. */
    static MojoModel read(MojoArchive archive, String where) {
        try (InMemoryMojoReaderBackend files = new InMemoryMojoReaderBackend(archive.files())) {
            return ModelMojoReader.readFrom(files, false);
        } catch (IllegalStateException e) {
            // genmodel's ModelMojoFactory: "Algorithm `X` is not supported by this version ..."
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    where
                            + " is an H2O "
                            + archive.algorithm()
                            + " MOJO, which the h2o-genmodel on the classpath cannot score: "
                            + e.getMessage(),
                    e);
        } catch (IOException | RuntimeException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    where + " is not a MOJO that h2o-genmodel can read: " + e,
                    e);
        }
    }

    private static void checkClasses(GenModel model, Manifest manifest, String where) {
        String[] domain = model.getDomainValues(model.getResponseIdx());
        String[] classes = manifest.classes().stream().map(String::valueOf).toArray(String[]::new);
        if (!Arrays.equals(domain, classes)) {
            throw new BundleException(
                    ErrorCode.INVALID_MANIFEST,
                    where
                            + ": the manifest's classes "
                            + Arrays.toString(classes)
                            + " are not the MOJO's response levels "
                            + Arrays.toString(domain)
                            + ", in that order");
        }
    }

    private static boolean unknownLevelsToNa(ArtifactContext ctx) {
        String v = ctx.options().backendOptions().getOrDefault("mojo.unknown_levels", "na");
        if (!v.equals("na") && !v.equals("error")) {
            throw new IllegalArgumentException(
                    "backend option mojo.unknown_levels: expected 'na' or 'error', got '"
                            + v
                            + "'");
        }
        return v.equals("na");
    }

    @SuppressWarnings("deprecation") // genmodel's only word on which MOJOs are not thread-safe
    private static boolean threadSafe(GenModel model) {
        return model.internal_threadSafeInstance() == model;
    }

    @SuppressWarnings("deprecation")
    private static GenModel copyOf(GenModel model) {
        return model.internal_threadSafeInstance();
    }

    private static EasyPredictModelWrapper wrapper(GenModel model, boolean unknownLevelsToNa) {
        return new EasyPredictModelWrapper(
                new EasyPredictModelWrapper.Config()
                        .setModel(model)
                        .setConvertUnknownCategoricalLevelsToNa(unknownLevelsToNa));
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch) {
        return run(inputs, batch, OutputBuffers.FRESH);
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, long batch, OutputBuffers buffers) {
        if (closed) {
            throw new IllegalStateException("MOJO session is closed");
        }
        int n = Math.toIntExact(batch);
        EasyPredictModelWrapper w = shared != null ? shared : perThread.get();
        Scratch s = scratch.get();
        MojoColumns.Rows rows = s.rows.bind(inputs);
        try {
            MojoOutputs out = new MojoOutputs(shape, n, buffers);
            if (columns.direct()) {
                scoreRaw(w.m, rows, s, out, n);
            } else {
                scoreRows(w, rows, out, n);
            }
            return out.tensors();
        } finally {
            rows.release();
        }
    }

    /**
     * The wrapper's own scoring (its {@code predict(RowData, offset, preds)}) minus the {@link
     * RowData}: each row written into score0's {@code double[]} by genmodel's encoders, and
     * score0's predictions read as the wrapper reads them.
     */
    private void scoreRaw(GenModel m, MojoColumns.Rows rows, Scratch s, MojoOutputs out, int n) {
        double[] raw = s.raw;
        double[] preds = s.preds;
        for (int r = 0; r < n; r++) {
            try {
                rows.fill(raw, r, unknownLevelsToNa);
                Arrays.fill(preds, 0); // score0 gets what the wrapper hands it: zeros
                m.score0(raw, preds);
            } catch (PredictException | RuntimeException e) {
                throw rowFailed(m, r, e);
            }
            if (classifier) {
                out.classified(r, (int) preds[0], preds, 1);
            } else {
                out.predicted(r, preds[0]);
            }
        }
    }

    /**
     * Each row through a {@link RowData} and the wrapper: for MOJOs with a converter of their own.
     */
    private void scoreRows(
            EasyPredictModelWrapper w, MojoColumns.Rows rows, MojoOutputs out, int n) {
        RowData row = new RowData();
        for (int r = 0; r < n; r++) {
            rows.fill(row, r);
            try {
                switch (category) {
                    case Binomial -> {
                        BinomialModelPrediction p = w.predictBinomial(row);
                        out.classified(r, p.labelIndex, p.classProbabilities);
                    }
                    case Multinomial -> {
                        MultinomialModelPrediction p = w.predictMultinomial(row);
                        out.classified(r, p.labelIndex, p.classProbabilities);
                    }
                    case Ordinal -> {
                        OrdinalModelPrediction p = w.predictOrdinal(row);
                        out.classified(r, p.labelIndex, p.classProbabilities);
                    }
                    default -> out.predicted(r, w.predictRegression(row).value);
                }
            } catch (PredictException | RuntimeException e) {
                throw rowFailed(w.m, r, e);
            }
        }
    }

    /** What a row's failure in genmodel is: a bad row ({@link InputException}), or genmodel's. */
    private RuntimeException rowFailed(GenModel m, int r, Exception e) {
        if (e instanceof PredictUnknownCategoricalLevelException u) {
            return new InputException(
                    ErrorCode.INVALID_VALUE,
                    "row "
                            + r
                            + ", column '"
                            + u.getColumnName()
                            + "': level '"
                            + u.getUnknownLevel()
                            + "' is not one the model was trained on "
                            + levels(m, u.getColumnName())
                            + " (the mojo.unknown_levels=error option refuses it)",
                    e);
        }
        if (e instanceof PredictException) {
            return new InputException(
                    ErrorCode.INVALID_VALUE, "row " + r + ": " + e.getMessage(), e);
        }
        return new BackendException(
                ErrorCode.BACKEND_FAILURE,
                where + ": h2o-genmodel failed on row " + r + ": " + e,
                e);
    }

    private static String levels(GenModel m, String column) {
        String[] domain = m.getDomainValues(column);
        if (domain == null) {
            return "";
        }
        return domain.length <= 20
                ? Arrays.toString(domain)
                : Arrays.toString(Arrays.copyOf(domain, 20)) + " and " + (domain.length - 20);
    }

    @Override
    public void close() {
        closed = true;
    }
}
