package io.jinfer.python;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;
import io.jinfer.Manifest;
import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.Backend;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.LiveModel;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Runs {@code python} artifacts (a joblib-pickled model and its callable) in real CPython, in this
 * process. It picks its host itself:
 *
 * <ul>
 *   <li>JPype, when a Python process hosts this JVM ({@code jinfer run-java}, {@code
 *       jinfer.jvm()}): the model runs in that CPython, through the {@link PythonRuntime} jinfer's
 *       Python package installs ({@link PythonRuntimes});
 *   <li>otherwise Jep: this plain JVM embeds the CPython of the Python that {@link
 *       LoadOptions#pythonExecutable()}, {@code -Djinfer.python}, {@code JINFER_PYTHON} or {@code
 *       VIRTUAL_ENV} names ({@link PythonLocation}), once per process. Where no such Python is
 *       found, or it lacks jep, the backend is unavailable, saying what to install, and the loader
 *       takes the bundle's next artifact.
 * </ul>
 *
 * <p>Unpickling runs code: loading a python artifact needs {@link LoadOptions#trustPython()} (or
 * {@code JINFER_TRUST_PYTHON=1}). Without it the load fails before a byte is read, and before any
 * CPython is embedded.
 */
public final class PythonBackend implements Backend {
    @Override
    public String name() {
        return "python";
    }

    @Override
    public String unavailableReason() {
        return unavailableReason(LoadOptions.defaults());
    }

    /** Null when Python hosts this JVM or the Python that {@code options} names can be embedded. */
    @Override
    public String unavailableReason(LoadOptions options) {
        if (PythonRuntimes.current() != null) {
            return null;
        }
        try {
            PythonLocation.find(options);
            return null;
        } catch (BackendException e) {
            return e.getMessage();
        }
    }

    @Override
    public BackendSession open(ArtifactContext ctx) {
        if (!ctx.options().trustPython()) {
            throw new BundleException(
                    ErrorCode.UNTRUSTED_ARTIFACT,
                    ctx.artifact().path()
                            + " is a pickled Python model, and unpickling runs its code. Load it"
                            + " only from a source you trust, with"
                            + " LoadOptions.builder().trustPython(true) (Python: trust_python=True)"
                            + " or JINFER_TRUST_PYTHON=1");
        }
        byte[] data = ctx.bytes(); // size and sha256 checked before anything is unpickled
        String manifest = ctx.manifest().raw().toString();
        String artifact = artifactJson(ctx);
        PythonModel model = runtime(ctx.options()).load(data, manifest, artifact);
        return new PythonSession(model, ctx.manifest());
    }

    @Override
    public LiveModel openLive(String name, LoadOptions options) {
        PythonRuntime host = PythonRuntimes.current();
        if (host == null) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "live objects (jinfer.register) live in the Python process that hosts the JVM,"
                            + " and no Python process hosts this one; run the program under"
                            + " `jinfer run-java -cp ... MAIN`, from the Python that registers '"
                            + name
                            + "'");
        }
        PythonModel model = host.lookup(name);
        if (model == null) {
            throw new BackendException(
                    ErrorCode.NO_USABLE_BACKEND,
                    "no Python object is registered as '"
                            + name
                            + "'; registered: "
                            + Arrays.toString(host.names())
                            + ". Register it with jinfer.register(\""
                            + name
                            + "\", model, inputs=..., outputs=...)");
        }
        Manifest manifest = Manifest.parse(model.manifestJson().getBytes(StandardCharsets.UTF_8));
        return new LiveModel(manifest, new PythonSession(model, manifest));
    }

    private static String artifactJson(ArtifactContext ctx) {
        for (com.fasterxml.jackson.databind.JsonNode a : ctx.manifest().raw().path("artifacts")) {
            if (ctx.artifact().path().equals(a.path("path").asText())) {
                return a.toString();
            }
        }
        return "{}";
    }

    /** The JPype host when Python hosts this JVM, else CPython embedded through Jep. */
    private static PythonRuntime runtime(LoadOptions options) {
        PythonRuntime hosted = PythonRuntimes.current();
        return hosted != null ? hosted : EmbeddedPython.runtime(options);
    }
}
