package io.jinfer;

import io.jinfer.spi.ArtifactContext;
import io.jinfer.spi.Backend;
import io.jinfer.spi.BackendSession;
import io.jinfer.spi.LiveModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Loads bundles. The one entry point of the Java API.
 *
 * <pre>{@code
 * try (Model model = Models.load(Path.of("churn.jinfer"))) {          // first usable backend
 *     Map<String, Tensor> out = model.predict(Map.of("features", Tensor.of(rows)));
 * }
 * Model pmml = Models.load(path, LoadOptions.builder().backend("pmml").intraOpThreads(1).build());
 * }</pre>
 *
 * <p>Backends are found with {@link ServiceLoader}. Artifacts are tried in the manifest's
 * preference order; one whose backend is absent or unavailable is skipped, and the reasons are
 * given if none loads.
 */
public final class Models {
    private Models() {}

    /**
     * Loads a bundle with the default options.
     *
     * @see #load(Path, LoadOptions)
     */
    public static Model load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Loads a zip or directory bundle with the first usable artifact, or the one {@link
     * LoadOptions#backend()} names.
     *
     * @throws BundleException if the bundle is missing, corrupt, tampered with or too new
     * @throws BackendException ({@code NO_USABLE_BACKEND}) if no artifact could be loaded
     */
    public static Model load(Path path, LoadOptions options) {
        try (Bundle bundle = Bundle.open(path, options.limits())) {
            return load(bundle, options);
        }
    }

    /**
     * Loads a bundle by path, or a live object by {@code backend:name}: {@code "python:churn"} is
     * the Python object that {@code jinfer.register("churn", ...)} made available, with no file.
     *
     * @throws BundleException if the bundle is missing, corrupt, tampered with or too new
     * @throws BackendException if no artifact could be loaded, or there is no such live object
     */
    public static Model load(String location, LoadOptions options) {
        int colon = location.indexOf(':');
        if (colon > 1) { // "python:name"; a one-letter prefix is a Windows drive, not a backend
            Backend backend = backends().get(location.substring(0, colon));
            if (backend != null) {
                String unavailable = backend.unavailableReason(options);
                if (unavailable != null) {
                    throw new BackendException(
                            ErrorCode.BACKEND_UNAVAILABLE, location + ": " + unavailable);
                }
                LiveModel live = backend.openLive(location.substring(colon + 1), options);
                return new Model(
                        live.manifest(),
                        live.manifest().artifacts().get(0),
                        live.session(),
                        options);
            }
        }
        return load(Path.of(location), options);
    }

    /**
     * Loads a bundle or live object with the default options.
     *
     * @see #load(String, LoadOptions)
     */
    public static Model load(String location) {
        return load(location, LoadOptions.defaults());
    }

    /** Loads from an already opened bundle; the bundle may be closed afterwards. */
    public static Model load(Bundle bundle, LoadOptions options) {
        Manifest manifest = bundle.manifest();
        Map<String, Backend> backends = backends();
        List<String> reasons = new ArrayList<>();
        boolean forcedFound = false;
        for (Manifest.Artifact artifact : manifest.artifacts()) {
            if (options.backend() != null
                    && !options.backend().equalsIgnoreCase(artifact.backend())) {
                continue;
            }
            forcedFound = true;
            Backend backend = backends.get(artifact.backend());
            if (backend == null) {
                reasons.add(
                        artifact.backend()
                                + ": no backend of that name is installed (have "
                                + backends.keySet()
                                + ")");
                continue;
            }
            String unavailable = backend.unavailableReason(options);
            if (unavailable != null) {
                reasons.add(artifact.backend() + ": " + unavailable);
                continue;
            }
            ArtifactContext ctx =
                    new ArtifactContext(
                            manifest,
                            artifact,
                            () -> bundle.readArtifact(artifact),
                            options,
                            (file, bytes, sha256) ->
                                    bundle.readChecked(
                                            file,
                                            bytes,
                                            sha256,
                                            "external data of " + artifact.path()));
            Model model;
            try {
                BackendSession session = backend.open(ctx);
                model = new Model(manifest, artifact, session, options);
            } catch (BundleException e) {
                throw e; // a damaged bundle is refused whole, never half-loaded
            } catch (RuntimeException e) {
                reasons.add(artifact.backend() + ": " + e.getMessage());
                continue;
            }
            return warmedUp(model, bundle, options);
        }
        if (options.backend() != null && !forcedFound) {
            throw new BackendException(
                    ErrorCode.NO_USABLE_BACKEND,
                    "bundle "
                            + bundle.path()
                            + " has no '"
                            + options.backend()
                            + "' artifact; it has "
                            + backendNames(manifest));
        }
        throw new BackendException(
                ErrorCode.NO_USABLE_BACKEND,
                "no artifact of bundle "
                        + bundle.path()
                        + " could be loaded: "
                        + String.join("; ", reasons));
    }

    /**
     * The model after its warm-up ({@link LoadOptions#warmup()} calls on the parity sample); if the
     * warm-up fails, the model is closed and the error names the bundle.
     */
    private static Model warmedUp(Model model, Bundle bundle, LoadOptions options) {
        if (options.warmup() == 0) {
            return model;
        }
        try {
            Warmup.run(model, bundle, options.warmup());
            return model;
        } catch (RuntimeException e) {
            RuntimeException error = warmupError(bundle, model, e);
            try {
                model.close();
            } catch (RuntimeException closing) {
                error.addSuppressed(closing);
            }
            throw error;
        }
    }

    private static RuntimeException warmupError(Bundle bundle, Model model, RuntimeException e) {
        if (e instanceof BundleException) {
            return e; // the sample itself is damaged; the message names the bundle
        }
        String what =
                "bundle "
                        + bundle.path()
                        + ": the warm-up at load (LoadOptions.warmup) failed on the "
                        + model.backend()
                        + " backend: ";
        if (e instanceof InputException) {
            return new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    what + "its parity sample does not fit its input specs: " + e.getMessage(),
                    e);
        }
        return new BackendException(ErrorCode.BACKEND_FAILURE, what + e.getMessage(), e);
    }

    /**
     * Whether this JVM can run artifacts of the backend called {@code name}: whether it is on the
     * classpath, and if it is, why its runtime cannot run here (null when it can). Nothing is
     * loaded; use it to say, before a load, which of a bundle's artifacts would be skipped.
     */
    public static BackendStatus backendStatus(String name) {
        Backend backend = backends().get(name);
        if (backend == null) {
            return new BackendStatus(name, false, null);
        }
        return new BackendStatus(
                name, true, backend.isAvailable() ? null : backend.unavailableReason());
    }

    /** The backends found on the classpath, by name. */
    public static Map<String, Backend> backends() {
        Map<String, Backend> out = new LinkedHashMap<>();
        for (Backend b : ServiceLoader.load(Backend.class, Models.class.getClassLoader())) {
            out.putIfAbsent(b.name(), b);
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<String> backendNames(Manifest manifest) {
        List<String> names = new ArrayList<>();
        for (Manifest.Artifact a : manifest.artifacts()) {
            names.add(a.backend());
        }
        return names;
    }
}
