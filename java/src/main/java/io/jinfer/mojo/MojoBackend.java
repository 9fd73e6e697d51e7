package io.jinfer.mojo;

import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.Backend;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.Classpath;

/**
 * Runs {@code mojo} artifacts (H2O MOJOs) with h2o-genmodel. h2o-genmodel is an optional
 * dependency: this class names none of its types, so it loads, and reports itself unavailable with
 * the Maven coordinates to add, when h2o-genmodel is not on the classpath.
 *
 * <p>Backend options ({@code LoadOptions.builder().option(key, value)}):
 *
 * <ul>
 *   <li>{@code mojo.unknown_levels}: {@code na} (the default) scores a categorical level the model
 *       never saw as missing, as H2O's own {@code predict} does; {@code error} refuses the row with
 *       an {@code InputException} naming the row, the column and the level.
 * </ul>
 */
public final class MojoBackend implements Backend {
    /** The version of h2o-genmodel jinfer is built and tested with (H2O 3.46.0.11). */
    public static final String H2O_VERSION = "3.46.0.11";

    /** The Maven coordinates of h2o-genmodel. */
    public static final String COORDINATES = "ai.h2o:h2o-genmodel:" + H2O_VERSION;

    @Override
    public String name() {
        return "mojo";
    }

    @Override
    public String unavailableReason() {
        return Classpath.has(
                        MojoBackend.class,
                        "hex.genmodel.ModelMojoReader",
                        "hex.genmodel.easy.EasyPredictModelWrapper")
                ? null
                : "h2o-genmodel is not on the classpath; add the Maven artifact "
                        + COORDINATES
                        + " (Apache-2.0, an optional dependency of jinfer), and "
                        + "ai.h2o:h2o-genmodel-ext-xgboost:"
                        + H2O_VERSION
                        + " for XGBoost MOJOs";
    }

    @Override
    public BackendSession open(ArtifactContext context) {
        return MojoSession.open(context);
    }
}
