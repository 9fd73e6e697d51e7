package io.jinfer.pmml;

import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.Backend;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.Classpath;

/**
 * Runs {@code pmml} artifacts with JPMML-Evaluator. JPMML is AGPL-3.0 and an optional dependency:
 * this class names no JPMML type, so it loads, and reports itself unavailable with the Maven
 * coordinates to add, when JPMML is not on the classpath.
 */
public final class PmmlBackend implements Backend {
    /** The Maven coordinates of the JPMML version jinfer is built and tested with. */
    public static final String COORDINATES = "org.jpmml:pmml-evaluator-metro:1.7.7";

    @Override
    public String name() {
        return "pmml";
    }

    @Override
    public String unavailableReason() {
        return Classpath.has(
                        PmmlBackend.class,
                        "org.jpmml.evaluator.LoadingModelEvaluatorBuilder",
                        "org.glassfish.jaxb.runtime.v2.JAXBContextFactory")
                ? null
                : "JPMML-Evaluator is not on the classpath; add the Maven artifact "
                        + COORDINATES
                        + " (AGPL-3.0, an optional dependency of jinfer)";
    }

    @Override
    public BackendSession open(ArtifactContext context) {
        return PmmlSession.open(context);
    }
}
