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
 * Runs {@code python} artifacts (a joblib-pickled model and its callable) in the CPython process
 * that hosts this JVM, through JPype. Available only there: in a plain {@code java} process it
 * reports itself unavailable and the loader takes the bundle's next artifact.
 *
 * <p>Unpickling runs code: loading a python artifact needs {@link LoadOptions#trustPython()} (or
 * {@code JINFER_TRUST_PYTHON=1}). Without it the load fails before a byte is read.
 */
public final class PythonBackend implements Backend {
    @Override
    public String name() {
        return "python";
    }

    @Override
    public boolean isAvailable() {
        return PythonRuntimes.current() != null;
    }

    @Override
    public String unavailableReason() {
        return isAvailable()
                ? null
                : "the python backend runs the real Python model in the CPython process that hosts"
                        + " this JVM; this JVM has none. Run the program under `jinfer run-java -cp"
                        + " ... MAIN`";
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
        PythonModel model = runtime().load(data, manifest, artifact);
        return new PythonSession(model, ctx.manifest());
    }

    @Override
    public LiveModel openLive(String name, LoadOptions options) {
        PythonModel model = runtime().lookup(name);
        if (model == null) {
            throw new BackendException(
                    ErrorCode.NO_USABLE_BACKEND,
                    "no Python object is registered as '"
                            + name
                            + "'; registered: "
                            + Arrays.toString(runtime().names())
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

    private PythonRuntime runtime() {
        PythonRuntime r = PythonRuntimes.current();
        if (r == null) {
            throw new BackendException(ErrorCode.BACKEND_UNAVAILABLE, unavailableReason());
        }
        return r;
    }
}
