package io.jinfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An opened bundle: a {@code .jinfer} zip or a directory with the same content.
 *
 * <p>Opening indexes every file before it reads one: each name must be safe, the number of files
 * and their declared sizes must be within the {@link Limits}, and a zip entry must be stored or
 * deflated and appear once. Then the manifest is read and parsed, and every artifact it lists must
 * be present with the size it declares. {@link #read} hands out a file's bytes: never more than the
 * size declared at opening, counted against the bundle's budget, and for a zip entry with its
 * CRC-32 checked; {@link #readArtifact} checks an artifact's size and sha256 too. The rules are
 * those of {@code docs/bundle-format.md}, "Reading rules"; Python's {@code jinfer.Bundle} follows
 * the same ones.
 */
public final class Bundle implements AutoCloseable {
    /** The default bound on a bundle's total uncompressed size: 2 GiB. */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;

    public static final String MANIFEST = "manifest.json";

    private final Path path;
    private final SafeZip zip; // null for a directory bundle
    private final Limits limits;
    private final Map<String, Entry> entries; // by name, sorted
    private final Manifest manifest;
    private long bytesRead;

    /**
     * One file of the bundle.
     *
     * @param size its size, as the zip declares it or as the directory listed it at opening
     * @param file the file in a directory bundle; null in a zip bundle
     */
    private record Entry(long size, Path file) {}

    private Bundle(Path path, SafeZip zip, Map<String, Entry> entries, Limits limits) {
        this.path = path;
        this.zip = zip;
        this.entries = entries;
        this.limits = limits;
        Entry m = entries.get(MANIFEST);
        if (m == null) {
            throw new BundleException(
                    ErrorCode.INVALID_MANIFEST,
                    path + " has no " + MANIFEST + " at its root; is it a jinfer bundle?");
        }
        if (m.size() > limits.maxManifestBytes()) {
            throw new BundleException(
                    ErrorCode.BUNDLE_TOO_LARGE,
                    path
                            + ": "
                            + MANIFEST
                            + " is "
                            + m.size()
                            + " bytes, over the bound of "
                            + limits.maxManifestBytes()
                            + " (Limits.maxManifestBytes)");
        }
        this.manifest = Manifest.parse(read(MANIFEST), limits);
        for (Manifest.Artifact a : manifest.artifacts()) {
            Entry e = entries.get(a.path());
            if (e == null) {
                throw new BundleException(
                        ErrorCode.ARTIFACT_MISSING,
                        "bundle "
                                + path
                                + " has no "
                                + a.path()
                                + " although the manifest lists it ("
                                + a.backend()
                                + ")");
            }
            if (e.size() != a.bytes()) {
                throw new BundleException(
                        ErrorCode.CHECKSUM_MISMATCH,
                        "artifact "
                                + a.path()
                                + ": expected "
                                + a.bytes()
                                + " bytes, found "
                                + e.size()
                                + "; the bundle was modified or damaged");
            }
        }
    }

    /**
     * Opens a bundle with the default limits.
     *
     * @see #open(Path, Limits)
     */
    public static Bundle open(Path path) {
        return open(path, Limits.defaults());
    }

    /**
     * Opens a bundle with the default limits but a total size bound of {@code maxBytes}.
     *
     * @see #open(Path, Limits)
     */
    public static Bundle open(Path path, long maxBytes) {
        return open(path, Limits.defaults().toBuilder().maxBundleBytes(maxBytes).build());
    }

    /**
     * Opens a zip or directory bundle within {@code limits} and parses its manifest.
     *
     * @throws BundleException when the path is missing, the zip is corrupt or unsafe, a limit is
     *     passed, the manifest is invalid, or a listed artifact is absent or of another size
     */
    public static Bundle open(Path path, Limits limits) {
        if (!Files.exists(path)) {
            throw new BundleException(ErrorCode.BUNDLE_NOT_FOUND, "no bundle at " + path);
        }
        if (Files.isDirectory(path)) {
            return new Bundle(path, null, scanDirectory(path, limits), limits);
        }
        SafeZip zip =
                SafeZip.open(
                        path,
                        path.toString(),
                        limits,
                        limits.maxBundleBytes(),
                        ErrorCode.BUNDLE_CORRUPT,
                        true);
        try {
            Map<String, Entry> entries = new TreeMap<>();
            for (String name : zip.names()) {
                entries.put(name, new Entry(zip.size(name), null));
            }
            return new Bundle(path, zip, entries, limits);
        } catch (RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /**
     * The regular files under {@code root}, links followed but never out of it. Anything that is
     * not a regular file (a FIFO, a socket, a device, a dangling or looping link) is not part of
     * the bundle.
     */
    private static Map<String, Entry> scanDirectory(Path root, Limits limits) {
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw corrupt("cannot read bundle directory " + root + ": " + e.getMessage());
        }
        Map<String, Entry> out = new TreeMap<>();
        long total = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String name =
                        root.relativize(p)
                                .toString()
                                .replace(p.getFileSystem().getSeparator(), "/");
                BundlePaths.requireSafe(name, "file in " + root);
                Path real = p.toRealPath();
                if (!real.startsWith(realRoot)) {
                    throw new BundleException(
                            ErrorCode.UNSAFE_PATH,
                            name
                                    + " in "
                                    + root
                                    + " resolves to "
                                    + real
                                    + ", outside the bundle; bundle files must stay inside the"
                                    + " bundle directory");
                }
                if (out.size() >= limits.maxEntries()) {
                    throw SafeZip.tooMany("bundle " + root, out.size() + 1, limits);
                }
                long size = Files.size(real);
                total =
                        SafeZip.addSize(
                                root.toString(),
                                name,
                                size,
                                total,
                                limits,
                                limits.maxBundleBytes());
                out.put(name, new Entry(size, real));
            }
        } catch (IOException | UncheckedIOException e) {
            throw corrupt("cannot list bundle directory " + root + ": " + e.getMessage());
        }
        return out;
    }

    private static BundleException corrupt(String message) {
        return new BundleException(ErrorCode.BUNDLE_CORRUPT, message);
    }

    /** The path the bundle was opened from. */
    public Path path() {
        return path;
    }

    /** The bundle's parsed and checked {@code manifest.json}. */
    public Manifest manifest() {
        return manifest;
    }

    /** The limits the bundle was opened with. */
    public Limits limits() {
        return limits;
    }

    /** Whether the bundle is a zip file (else a directory). */
    public boolean isZip() {
        return zip != null;
    }

    /** Whether the bundle holds a file called {@code name}. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The names of the files in the bundle, '/'-separated, sorted. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** The size of file {@code name} as declared at opening, or -1 when there is none. */
    public long size(String name) {
        Entry e = entries.get(name);
        return e == null ? -1 : e.size();
    }

    /**
     * How many more bytes may be read from this bundle: {@link Limits#maxBundleBytes()} less what
     * has been read. Readers of files inside a file (the members of an {@code .npz}) stay within
     * it.
     */
    public synchronized long remainingBytes() {
        return Math.max(0, limits.maxBundleBytes() - bytesRead);
    }

    /**
     * The bytes of file {@code name}: exactly the size it declared, its CRC-32 checked in a zip.
     *
     * @throws BundleException {@code ARTIFACT_MISSING} if absent; {@code BUNDLE_CORRUPT} if it
     *     holds more or fewer bytes than it declared or its CRC differs; {@code BUNDLE_TOO_LARGE}
     *     over the bundle's budget
     */
    public synchronized byte[] read(String name) {
        BundlePaths.requireSafe(name, "entry");
        Entry e = entries.get(name);
        if (e == null) {
            throw new BundleException(
                    ErrorCode.ARTIFACT_MISSING, "bundle " + path + " has no " + name);
        }
        if (e.size() > limits.maxBundleBytes() - bytesRead) {
            throw SafeZip.tooLarge("bundle " + path, limits.maxBundleBytes());
        }
        byte[] data = zip != null ? zip.read(name) : readFile(name, e);
        bytesRead += data.length;
        return data;
    }

    /** A directory bundle's file: exactly the size listed at opening (it may have changed). */
    private byte[] readFile(String name, Entry e) {
        try (InputStream in = Files.newInputStream(e.file())) {
            return SafeZip.readExactly(
                    in, e.size(), path.toString(), name, ErrorCode.BUNDLE_CORRUPT);
        } catch (IOException ex) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    "cannot read " + name + " in " + path + ": " + ex.getMessage(),
                    ex);
        }
    }

    /**
     * The bytes of an artifact, after checking its size and sha256 against the manifest.
     *
     * @throws BundleException {@code ARTIFACT_MISSING} or {@code CHECKSUM_MISMATCH}
     */
    public byte[] readArtifact(Manifest.Artifact artifact) {
        return readChecked(artifact.path(), artifact.bytes(), artifact.sha256(), "artifact");
    }

    /**
     * The bytes of file {@code name}, after checking its size and sha256 against what the manifest
     * says of it ({@code what} names it in the message, e.g. "artifact").
     *
     * @throws BundleException {@code ARTIFACT_MISSING} or {@code CHECKSUM_MISMATCH}
     */
    public byte[] readChecked(String name, long bytes, String sha256, String what) {
        byte[] data = read(name);
        if (data.length != bytes) {
            throw new BundleException(
                    ErrorCode.CHECKSUM_MISMATCH,
                    what
                            + " "
                            + name
                            + ": expected "
                            + bytes
                            + " bytes, found "
                            + data.length
                            + "; the bundle was modified or damaged");
        }
        String actual = sha256(data);
        if (!actual.equals(sha256)) {
            throw new BundleException(
                    ErrorCode.CHECKSUM_MISMATCH,
                    what
                            + " "
                            + name
                            + ": sha256 expected "
                            + sha256
                            + ", found "
                            + actual
                            + "; the bundle was modified or damaged");
        }
        return data;
    }

    /** Lowercase hex sha256 of {@code data}. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public void close() {
        if (zip != null) {
            zip.close();
        }
    }
}
