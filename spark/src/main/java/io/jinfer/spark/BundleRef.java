package io.jinfer.spark;

import io.jinfer.Bundle;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;

import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A bundle as every JVM of a job finds it: its location (a local path, or a URI of any Hadoop
 * {@code FileSystem} the cluster reads) and the sha256 that identifies its content, taken on the
 * driver when the job is planned. The sha256 is that of the zip file, or of a directory bundle's
 * {@code manifest.json} (which holds every artifact's sha256).
 *
 * @param location a local absolute path, or a qualified Hadoop URI
 * @param local whether {@code location} is a path of the local file system
 * @param sha256 the content's sha256, lowercase hex
 * @param directory whether the bundle is a directory (else a zip file)
 */
record BundleRef(String location, boolean local, String sha256, boolean directory)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Reads the bundle at {@code location} once, on the driver, to identify it. */
    static BundleRef resolve(String location, Configuration hadoop) {
        URI uri = URI.create(location.replace(" ", "%20"));
        String scheme = uri.getScheme();
        if (scheme == null || scheme.equals("file") || scheme.length() == 1) { // c:\ is a drive
            Path path =
                    (scheme != null && scheme.equals("file") ? Path.of(uri) : Path.of(location))
                            .toAbsolutePath()
                            .normalize();
            if (!Files.exists(path)) {
                throw new BundleException(ErrorCode.BUNDLE_NOT_FOUND, "no bundle at " + path);
            }
            boolean directory = Files.isDirectory(path);
            return new BundleRef(path.toString(), true, localSha256(path, directory), directory);
        }
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new BundleException(ErrorCode.BUNDLE_NOT_FOUND, "no bundle at " + location);
            }
            boolean directory = fs.getFileStatus(path).isDirectory();
            org.apache.hadoop.fs.Path hashed =
                    directory ? new org.apache.hadoop.fs.Path(path, Bundle.MANIFEST) : path;
            String sha;
            try (InputStream in = fs.open(hashed)) {
                sha = sha256(in);
            }
            return new BundleRef(fs.makeQualified(path).toString(), false, sha, directory);
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_NOT_FOUND,
                    "cannot read bundle " + location + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * The bundle on this machine's disk, checked against the sha256 taken on the driver: the file
     * itself when it is local, else a copy in {@code java.io.tmpdir/jinfer-spark/}, made once per
     * machine (written under a temporary name, then renamed).
     *
     * @throws BundleException {@code CHECKSUM_MISMATCH} if the bundle changed since the job was
     *     planned
     */
    Path localPath() {
        if (local) {
            Path path = Path.of(location);
            check(localSha256(path, directory), path);
            return path;
        }
        Path cached =
                Path.of(System.getProperty("java.io.tmpdir"), "jinfer-spark", sha256)
                        .resolve(directory ? "bundle" : "bundle.jinfer");
        if (Files.exists(cached)) {
            return cached;
        }
        try {
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempDirectory(cached.getParent(), "fetch-");
            Path target = tmp.resolve(cached.getFileName());
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(location);
            FileSystem fs = src.getFileSystem(executorHadoopConf());
            copy(fs, src, target);
            check(localSha256(target, directory), Path.of(location));
            try {
                Files.move(target, cached, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another task of this machine fetched it first: theirs is as good
            }
            return cached;
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_NOT_FOUND,
                    "cannot fetch bundle " + location + ": " + e.getMessage(),
                    e);
        }
    }

    private void check(String actual, Path where) {
        if (!actual.equals(sha256)) {
            throw new BundleException(
                    ErrorCode.CHECKSUM_MISMATCH,
                    "bundle "
                            + where
                            + " changed since the job was planned (sha256 "
                            + sha256
                            + " then, "
                            + actual
                            + " now); rerun the job");
        }
    }

    private static void copy(FileSystem fs, org.apache.hadoop.fs.Path src, Path target)
            throws IOException {
        if (fs.getFileStatus(src).isDirectory()) {
            Files.createDirectories(target);
            for (FileStatus child : fs.listStatus(src)) {
                copy(fs, child.getPath(), target.resolve(child.getPath().getName()));
            }
            return;
        }
        try (InputStream in = fs.open(src);
                OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
        }
    }

    /** The Hadoop configuration of an executor: the job's {@code spark.hadoop.*} settings. */
    private static Configuration executorHadoopConf() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAll()) {
                if (kv._1().startsWith("spark.hadoop.")) {
                    conf.set(kv._1().substring("spark.hadoop.".length()), kv._2());
                }
            }
        }
        return conf;
    }

    private static String localSha256(Path path, boolean directory) {
        Path hashed = directory ? path.resolve(Bundle.MANIFEST) : path;
        try (InputStream in = Files.newInputStream(hashed)) {
            return sha256(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BundleException(
                    ErrorCode.INVALID_MANIFEST, "bundle " + path + " has no " + Bundle.MANIFEST);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundle " + path, e);
        }
    }

    private static String sha256(InputStream in) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        try (DigestInputStream d = new DigestInputStream(in, digest)) {
            d.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
