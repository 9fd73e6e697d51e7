package io.jinfer;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link Models#load(java.nio.file.Path, LoadOptions)} loads a bundle. Immutable; make one with
 * {@link #builder()}.
 *
 * <pre>{@code
 * LoadOptions opts = LoadOptions.builder().backend("onnx").intraOpThreads(1).build();
 * }</pre>
 */
public final class LoadOptions {
    /**
     * The warm-up calls {@link Models#load} makes by default: enough that the first calls a user
     * makes run about as fast as later ones (docs/decisions.md, "Warm start").
     */
    public static final int DEFAULT_WARMUP = 5000;

    private static final LoadOptions DEFAULTS = builder().build();

    private final String backend;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final Limits limits;
    private final boolean trustPython;
    private final boolean allowNonFinite;
    private final Path pythonExecutable;
    private final Map<String, String> backendOptions;
    private final int warmup;

    private LoadOptions(Builder b) {
        this.backend = b.backend;
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.limits = b.limits;
        this.trustPython = b.trustPython;
        this.allowNonFinite = b.allowNonFinite;
        this.pythonExecutable = b.pythonExecutable;
        this.backendOptions = Collections.unmodifiableMap(new LinkedHashMap<>(b.backendOptions));
        this.warmup = b.warmup;
    }

    /** The defaults: first usable backend, runtime-chosen threads, a 2 GiB bundle bound. */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backend to use ({@code "onnx"}, ...), or null to take the first usable artifact. */
    public String backend() {
        return backend;
    }

    /** Threads inside one operator; 0 lets the runtime choose. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Threads across operators; 0 lets the runtime choose. */
    public int interOpThreads() {
        return interOpThreads;
    }

    /**
     * The bound on a bundle's total uncompressed size, in bytes: {@code limits().maxBundleBytes()}.
     */
    public long maxBundleBytes() {
        return limits.maxBundleBytes();
    }

    /** The resource limits the bundle's readers enforce; {@link Limits#defaults()} unless set. */
    public Limits limits() {
        return limits;
    }

    /**
     * Whether Python artifacts may be unpickled. Unpickling runs code, so it needs this, or the
     * environment variable {@code JINFER_TRUST_PYTHON=1}.
     */
    public boolean trustPython() {
        return trustPython || "1".equals(System.getenv("JINFER_TRUST_PYTHON"));
    }

    /**
     * Whether floating inputs may hold NaN and infinities. By default {@link Model#predict(Map)}
     * refuses them ({@link ErrorCode#INVALID_VALUE}).
     */
    public boolean allowNonFinite() {
        return allowNonFinite;
    }

    /**
     * The Python whose CPython a plain JVM embeds for python artifacts (through Jep), or null for
     * the process's choice: {@code -Djinfer.python}, then {@code JINFER_PYTHON}, then the {@code
     * VIRTUAL_ENV} the JVM runs in. Unused when a Python process hosts the JVM ({@code jinfer
     * run-java}): that Python runs the model.
     */
    public Path pythonExecutable() {
        return pythonExecutable;
    }

    /** Backend-specific options (for ONNX: session config entries), by key. */
    public Map<String, String> backendOptions() {
        return backendOptions;
    }

    /**
     * The warm-up calls {@link Models#load} makes before it returns ({@link Builder#warmup(int)});
     * 0 for none.
     */
    public int warmup() {
        return warmup;
    }

    /** Builds {@link LoadOptions}. */
    public static final class Builder {
        private String backend;
        private int intraOpThreads;
        private int interOpThreads;
        private Limits limits = Limits.defaults();
        private boolean trustPython;
        private boolean allowNonFinite;
        private Path pythonExecutable;
        private final Map<String, String> backendOptions = new LinkedHashMap<>();
        private int warmup = DEFAULT_WARMUP;

        private Builder() {}

        /** Use only this backend's artifact ({@code "onnx"}); null for the first usable one. */
        public Builder backend(String name) {
            this.backend = name;
            return this;
        }

        /** Threads inside one operator (ONNX Runtime, JPMML's row pool); 0 lets it choose. */
        public Builder intraOpThreads(int n) {
            this.intraOpThreads = requireNonNegative(n, "intraOpThreads");
            return this;
        }

        /** Threads across operators (ONNX Runtime); 0 lets the runtime choose. */
        public Builder interOpThreads(int n) {
            this.interOpThreads = requireNonNegative(n, "interOpThreads");
            return this;
        }

        /**
         * The bound on a bundle's total uncompressed size; default {@link
         * Bundle#DEFAULT_MAX_BYTES}. Shorthand for {@code limits(limits().toBuilder()
         * .maxBundleBytes(bytes).build())}.
         *
         * @throws IllegalArgumentException unless {@code bytes} is positive
         */
        public Builder maxBundleBytes(long bytes) {
            this.limits = limits.toBuilder().maxBundleBytes(bytes).build();
            return this;
        }

        /** The resource limits of the bundle's readers ({@code docs/reliability.md}, "Limits"). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Allow Python artifacts to be unpickled (which runs their code): only for bundles you
         * trust.
         */
        public Builder trustPython(boolean trust) {
            this.trustPython = trust;
            return this;
        }

        /**
         * Let NaN and infinities through to the backend, for a model that handles missing values
         * itself (XGBoost, LightGBM, HistGradientBoosting, a pipeline with an imputer). The
         * backends then treat them as they do: ONNX Runtime computes with them, JPMML takes NaN as
         * a missing value, and a row it cannot score is refused with {@code INVALID_VALUE}.
         */
        public Builder allowNonFinite(boolean allow) {
            this.allowNonFinite = allow;
            return this;
        }

        /**
         * The {@code python} executable of the environment (a virtualenv, say) that has jinfer and
         * jep installed ({@code pip install 'jinfer[jep]'}), for a plain JVM to embed its CPython
         * when it loads a python artifact; null for the process's choice (see {@link
         * LoadOptions#pythonExecutable()}).
         */
        public Builder pythonExecutable(Path python) {
            this.pythonExecutable = python;
            return this;
        }

        /** The escape hatch: a backend option by key (ONNX: an {@code addConfigEntry} pair). */
        public Builder option(String key, String value) {
            backendOptions.put(
                    Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Warm the model up at load: {@code calls} predictions on the bundle's parity sample
         * ({@code parity/inputs.npz}) before {@link Models#load} returns: the whole sample as one
         * batch, then its rows one at a time, round and round, so that the JIT has compiled the
         * path before the first call of yours. The calls stop after a second whatever their number,
         * so that a model slow per row (the python backend) still loads quickly, and rows this load
         * refuses ({@code INVALID_VALUE}: NaN without {@link Builder#allowNonFinite(boolean)}) are
         * left out. A bundle without a parity sample is warmed up on a row of zeros when its inputs
         * are batched, numeric and of fixed dimensions, and not at all otherwise; a live object
         * ({@code python:NAME}) is not warmed up. A warm-up that fails closes the model and throws,
         * naming the bundle. Default {@link #DEFAULT_WARMUP}; 0 turns it off.
         *
         * @throws IllegalArgumentException if {@code calls} is negative
         */
        public Builder warmup(int calls) {
            this.warmup = requireNonNegative(calls, "warmup");
            return this;
        }

        /** The immutable options. */
        public LoadOptions build() {
            return new LoadOptions(this);
        }

        private static int requireNonNegative(int n, String what) {
            if (n < 0) {
                throw new IllegalArgumentException(what + " must be >= 0, got " + n);
            }
            return n;
        }
    }
}
