package io.jinfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An opened bundle: a {@code .jinfer} zip or a directory with the same content. Opening checks
 * every zip entry name and the total size, and parses the manifest; {@link #readArtifact} checks an
 * artifact's size and sha256 before handing its bytes out.
 */
public final class Bundle implements AutoCloseable {
    /** The default bound on a bundle's total uncompressed size: 2 GiB. */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;

    public static final String MANIFEST = "manifest.json";

    private final Path path;
    private final ZipFile zip; // null for a directory bundle
    private final long maxBytes;
    private final Manifest manifest;
    private long bytesRead;

    private Bundle(Path path, ZipFile zip, long maxBytes) {
        this.path = path;
        this.zip = zip;
        this.maxBytes = maxBytes;
        this.manifest = Manifest.parse(readRequired(MANIFEST, ErrorCode.INVALID_MANIFEST));
    }

    /**
     * Opens a bundle with the default size bound.
     *
     * @see #open(Path, long)
     */
    public static Bundle open(Path path) {
        return open(path, DEFAULT_MAX_BYTES);
    }

    /**
     * Opens a zip or directory bundle and parses its manifest.
     *
     * @throws BundleException when the path is missing, the zip is corrupt or unsafe, the bundle is
     *     too large, or the manifest is invalid
     */
    public static Bundle open(Path path, long maxBytes) {
        if (!Files.exists(path)) {
            throw new BundleException(ErrorCode.BUNDLE_NOT_FOUND, "no bundle at " + path);
        }
        if (Files.isDirectory(path)) {
            return new Bundle(path, null, maxBytes);
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    path
                            + " is not a readable bundle zip ("
                            + e.getMessage()
                            + "); it may be truncated or not a .jinfer file",
                    e);
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    "cannot read bundle " + path + ": " + e.getMessage(),
                    e);
        }
        try {
            checkEntries(zip, path, maxBytes);
            return new Bundle(path, zip, maxBytes);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    private static void checkEntries(ZipFile zip, Path path, long maxBytes) {
        long total = 0;
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry e = entries.nextElement();
            BundlePaths.requireSafe(e.getName(), "zip entry in " + path.getFileName());
            total += Math.max(0, e.getSize());
            if (total > maxBytes) {
                throw tooLarge(path, maxBytes);
            }
        }
    }

    private static BundleException tooLarge(Path path, long maxBytes) {
        return new BundleException(
                ErrorCode.BUNDLE_TOO_LARGE,
                "bundle "
                        + path
                        + " holds more than "
                        + maxBytes
                        + " uncompressed bytes (the bound); raise LoadOptions.maxBundleBytes if you"
                        + " trust it");
    }

    /** The path the bundle was opened from. */
    public Path path() {
        return path;
    }

    /** The bundle's parsed and checked {@code manifest.json}. */
    public Manifest manifest() {
        return manifest;
    }

    /** Whether the bundle is a zip file (else a directory). */
    public boolean isZip() {
        return zip != null;
    }

    /** Whether the bundle holds a file called {@code name}. */
    public boolean contains(String name) {
        if (zip != null) {
            return zip.getEntry(name) != null;
        }
        return Files.isRegularFile(path.resolve(name));
    }

    /** The names of the files in the bundle, '/'-separated. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        if (zip != null) {
            zip.stream().filter(e -> !e.isDirectory()).forEach(e -> out.add(e.getName()));
        } else {
            try (var walk = Files.walk(path)) {
                walk.filter(Files::isRegularFile)
                        .forEach(p -> out.add(path.relativize(p).toString().replace('\\', '/')));
            } catch (IOException e) {
                throw new BundleException(
                        ErrorCode.BUNDLE_CORRUPT, "cannot list " + path + ": " + e.getMessage(), e);
            }
        }
        Collections.sort(out);
        return out;
    }

    /**
     * The bytes of file {@code name}.
     *
     * @throws BundleException if absent, unsafe or over the bound
     */
    public byte[] read(String name) {
        return readRequired(name, ErrorCode.ARTIFACT_MISSING);
    }

    /**
     * The bytes of an artifact, after checking its size and sha256 against the manifest.
     *
     * @throws BundleException {@code ARTIFACT_MISSING} or {@code CHECKSUM_MISMATCH}
     */
    public byte[] readArtifact(Manifest.Artifact artifact) {
        byte[] data = read(artifact.path());
        if (data.length != artifact.bytes()) {
            throw new BundleException(
                    ErrorCode.CHECKSUM_MISMATCH,
                    "artifact "
                            + artifact.path()
                            + ": expected "
                            + artifact.bytes()
                            + " bytes, found "
                            + data.length
                            + "; the bundle was modified or damaged");
        }
        String actual = sha256(data);
        if (!actual.equals(artifact.sha256())) {
            throw new BundleException(
                    ErrorCode.CHECKSUM_MISMATCH,
                    "artifact "
                            + artifact.path()
                            + ": sha256 expected "
                            + artifact.sha256()
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

    private byte[] readRequired(String name, ErrorCode ifMissing) {
        BundlePaths.requireSafe(name, "entry");
        try (InputStream in = open(name)) {
            if (in == null) {
                throw new BundleException(
                        ifMissing,
                        "bundle "
                                + path
                                + " has no "
                                + name
                                + (ifMissing == ErrorCode.ARTIFACT_MISSING
                                        ? " although the manifest lists it"
                                        : ""));
            }
            return readBounded(in, name);
        } catch (ZipException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    name + " in " + path + " is corrupt: " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    "cannot read " + name + " in " + path + ": " + e.getMessage(),
                    e);
        }
    }

    private InputStream open(String name) throws IOException {
        if (zip != null) {
            ZipEntry e = zip.getEntry(name);
            return e == null ? null : zip.getInputStream(e);
        }
        Path file = path.resolve(name).normalize();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        // a symbolic link may point anywhere: what counts is where the file really is
        if (!file.toRealPath().startsWith(path.toRealPath())) {
            throw new BundleException(
                    ErrorCode.UNSAFE_PATH,
                    name
                            + " in "
                            + path
                            + " resolves to "
                            + file.toRealPath()
                            + ", outside the bundle; bundle files must stay inside the bundle"
                            + " directory");
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private byte[] readBounded(InputStream in, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            bytesRead += n;
            if (bytesRead > maxBytes) {
                throw tooLarge(path, maxBytes);
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        if (zip != null) {
            closeQuietly(zip);
        }
    }

    private static void closeQuietly(ZipFile z) {
        try {
            z.close();
        } catch (IOException ignored) {
            // closing a read-only zip cannot lose data
        }
    }
}
