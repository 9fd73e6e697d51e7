package io.jinfer;

/**
 * The resource limits every reader of untrusted bytes enforces before it allocates: a bundle's zip
 * or directory, its manifest, its {@code .npy}/{@code .npz} files and its PMML. Immutable; the
 * defaults suit any bundle jinfer writes, and Python's {@code jinfer.Limits} has the same fields
 * and defaults ({@code docs/reliability.md}, "Limits").
 *
 * <pre>{@code
 * Limits strict = Limits.builder().maxBundleBytes(64L << 20).maxEntries(100).build();
 * Models.load(path, LoadOptions.builder().limits(strict).build());
 * }</pre>
 *
 * <p>A limit that is passed gives {@code BUNDLE_TOO_LARGE} (sizes and counts), {@code
 * INVALID_MANIFEST} (the manifest's nesting), {@code INVALID_NPY} (an {@code .npy} header) or
 * {@code UNSUPPORTED_ARTIFACT} (a PMML document's nesting), with a message that names the limit.
 */
public final class Limits {
    /** The largest byte array a JVM makes: the most one bundle file can hold in Java. */
    public static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private static final Limits DEFAULTS = builder().build();

    private final long maxBundleBytes;
    private final long maxEntryBytes;
    private final int maxEntries;
    private final long maxManifestBytes;
    private final int maxJsonDepth;
    private final int maxNpyHeaderBytes;
    private final long maxPmmlBytes;
    private final int maxXmlDepth;

    private Limits(Builder b) {
        this.maxBundleBytes = b.maxBundleBytes;
        this.maxEntryBytes = b.maxEntryBytes;
        this.maxEntries = b.maxEntries;
        this.maxManifestBytes = b.maxManifestBytes;
        this.maxJsonDepth = b.maxJsonDepth;
        this.maxNpyHeaderBytes = b.maxNpyHeaderBytes;
        this.maxPmmlBytes = b.maxPmmlBytes;
        this.maxXmlDepth = b.maxXmlDepth;
    }

    /** The defaults, listed in {@code docs/reliability.md}. */
    public static Limits defaults() {
        return DEFAULTS;
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these limits. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxBundleBytes = maxBundleBytes;
        b.maxEntryBytes = maxEntryBytes;
        b.maxEntries = maxEntries;
        b.maxManifestBytes = maxManifestBytes;
        b.maxJsonDepth = maxJsonDepth;
        b.maxNpyHeaderBytes = maxNpyHeaderBytes;
        b.maxPmmlBytes = maxPmmlBytes;
        b.maxXmlDepth = maxXmlDepth;
        return b;
    }

    /**
     * The bytes a bundle may hold, uncompressed: its declared sizes, and what is actually read from
     * it (npz members included). Default 2 GiB.
     */
    public long maxBundleBytes() {
        return maxBundleBytes;
    }

    /**
     * The bytes one file of a bundle (or one member of an {@code .npz}) may hold. Default {@link
     * #MAX_ARRAY_BYTES}, the most a Java array holds.
     */
    public long maxEntryBytes() {
        return maxEntryBytes;
    }

    /** The files a bundle, or the members an {@code .npz}, may hold. Default 10,000. */
    public int maxEntries() {
        return maxEntries;
    }

    /** The bytes of {@code manifest.json}. Default 16 MiB. */
    public long maxManifestBytes() {
        return maxManifestBytes;
    }

    /** How deep objects and lists may nest in {@code manifest.json}. Default 64. */
    public int maxJsonDepth() {
        return maxJsonDepth;
    }

    /** The bytes of an {@code .npy} header, as numpy's own bound. Default 10,000. */
    public int maxNpyHeaderBytes() {
        return maxNpyHeaderBytes;
    }

    /** The bytes of a PMML artifact. Default 512 MiB. */
    public long maxPmmlBytes() {
        return maxPmmlBytes;
    }

    /** How deep elements may nest in a PMML document. Default 1,000. */
    public int maxXmlDepth() {
        return maxXmlDepth;
    }

    @Override
    public String toString() {
        return "Limits[maxBundleBytes="
                + maxBundleBytes
                + ", maxEntryBytes="
                + maxEntryBytes
                + ", maxEntries="
                + maxEntries
                + ", maxManifestBytes="
                + maxManifestBytes
                + ", maxJsonDepth="
                + maxJsonDepth
                + ", maxNpyHeaderBytes="
                + maxNpyHeaderBytes
                + ", maxPmmlBytes="
                + maxPmmlBytes
                + ", maxXmlDepth="
                + maxXmlDepth
                + "]";
    }

    /** Builds {@link Limits}; every setter refuses a value below 1. */
    public static final class Builder {
        private long maxBundleBytes = 2L << 30;
        private long maxEntryBytes = MAX_ARRAY_BYTES;
        private int maxEntries = 10_000;
        private long maxManifestBytes = 16L << 20;
        private int maxJsonDepth = 64;
        private int maxNpyHeaderBytes = 10_000;
        private long maxPmmlBytes = 512L << 20;
        private int maxXmlDepth = 1_000;

        private Builder() {}

        /** See {@link Limits#maxBundleBytes()}. */
        public Builder maxBundleBytes(long bytes) {
            this.maxBundleBytes = positive(bytes, "maxBundleBytes");
            return this;
        }

        /**
         * See {@link Limits#maxEntryBytes()}.
         *
         * @throws IllegalArgumentException above {@link #MAX_ARRAY_BYTES}
         */
        public Builder maxEntryBytes(long bytes) {
            positive(bytes, "maxEntryBytes");
            if (bytes > MAX_ARRAY_BYTES) {
                throw new IllegalArgumentException(
                        "maxEntryBytes "
                                + bytes
                                + " is more than a Java array holds ("
                                + MAX_ARRAY_BYTES
                                + ")");
            }
            this.maxEntryBytes = bytes;
            return this;
        }

        /** See {@link Limits#maxEntries()}. */
        public Builder maxEntries(int entries) {
            this.maxEntries = (int) positive(entries, "maxEntries");
            return this;
        }

        /** See {@link Limits#maxManifestBytes()}. */
        public Builder maxManifestBytes(long bytes) {
            this.maxManifestBytes = positive(bytes, "maxManifestBytes");
            return this;
        }

        /** See {@link Limits#maxJsonDepth()}. */
        public Builder maxJsonDepth(int depth) {
            this.maxJsonDepth = (int) positive(depth, "maxJsonDepth");
            return this;
        }

        /** See {@link Limits#maxNpyHeaderBytes()}. */
        public Builder maxNpyHeaderBytes(int bytes) {
            this.maxNpyHeaderBytes = (int) positive(bytes, "maxNpyHeaderBytes");
            return this;
        }

        /** See {@link Limits#maxPmmlBytes()}. */
        public Builder maxPmmlBytes(long bytes) {
            this.maxPmmlBytes = positive(bytes, "maxPmmlBytes");
            return this;
        }

        /** See {@link Limits#maxXmlDepth()}. */
        public Builder maxXmlDepth(int depth) {
            this.maxXmlDepth = (int) positive(depth, "maxXmlDepth");
            return this;
        }

        /** The immutable limits. */
        public Limits build() {
            return new Limits(this);
        }

        private static long positive(long n, String what) {
            if (n <= 0) {
                throw new IllegalArgumentException(what + " must be positive, got " + n);
            }
            return n;
        }
    }
}
