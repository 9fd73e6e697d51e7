package io.jinfer.onnx;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where ONNX Runtime's native libraries are loaded from: one folder per ONNX Runtime build, reused
 * by every JVM, instead of a fresh {@code onnxruntime-java*} folder in the temp directory per JVM
 * (which a killed JVM leaves behind with 28 MB in it).
 *
 * <p>Before ONNX Runtime loads, jinfer extracts the jar's two libraries once into {@code
 * ~/.cache/jinfer/native/onnxruntime-PLATFORM-CRC/} (or {@code $XDG_CACHE_HOME/jinfer}, or the
 * system property {@code jinfer.native.dir}), through a temporary folder renamed into place, and
 * points ONNX Runtime's {@code onnxruntime.native.path} at it. The folder's name carries the
 * libraries' CRCs, so another ONNX Runtime release gets a folder of its own. Nothing is done when
 * the caller set {@code onnxruntime.native.path} (or a per-library path) already, or when the cache
 * cannot be written: ONNX Runtime then extracts as it always does.
 *
 * <p>It also removes, at the JVM's exit, the empty {@code mat-debug-PID.log} that ONNX Runtime's
 * telemetry leaves in the temp directory (none is made when {@code ORT_DISABLE_TELEMETRY=1}, which
 * jinfer's CLI script and the JVM jinfer's Python package starts set).
 */
final class NativeLibraries {
    static final String NATIVE_PATH = "onnxruntime.native.path";
    private static final String[] LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};
    private static final Pattern PARTIAL = Pattern.compile("\\.onnxruntime-.*\\.(\\d+)\\.\\d+");
    private static boolean prepared;
    private static boolean logForgotten;

    private NativeLibraries() {}

    /** Points ONNX Runtime at the shared folder, once per JVM; call before ONNX Runtime loads. */
    static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(NATIVE_PATH) != null || anyLibraryPathSet()) {
            return;
        }
        String platform = platform();
        Path root = cacheRoot();
        if (platform == null || root == null) {
            return;
        }
        try {
            Path dir = extracted(root.resolve("native"), platform);
            if (dir != null) {
                System.setProperty(NATIVE_PATH, dir.toString());
            }
        } catch (IOException | RuntimeException e) {
            // a read-only home or a full disk: ONNX Runtime extracts to the temp directory itself
        }
    }

    /** Removes this JVM's empty telemetry log at exit, if ONNX Runtime made one (asked once). */
    static synchronized void forgetTelemetryLog() {
        if (logForgotten) {
            return;
        }
        logForgotten = true;
        String tmp = System.getenv("TMPDIR");
        File log =
                new File(
                        tmp == null || tmp.isEmpty() ? "/tmp" : tmp,
                        "mat-debug-" + ProcessHandle.current().pid() + ".log");
        if (log.isFile() && log.length() == 0) {
            log.deleteOnExit();
        }
    }

    private static boolean anyLibraryPathSet() {
        for (String lib : LIBRARIES) {
            if (System.getProperty("onnxruntime.native." + lib + ".path") != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * ONNX Runtime's name for this platform's folder in its jar, or null if jinfer does not know.
     */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o =
                os.contains("linux")
                        ? "linux"
                        : os.contains("mac") || os.contains("darwin")
                                ? "osx"
                                : os.contains("win") ? "win" : null;
        String a =
                arch.equals("amd64") || arch.equals("x86_64")
                        ? "x64"
                        : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        return o == null || a == null ? null : o + "-" + a;
    }

    private static Path cacheRoot() {
        String explicit = System.getProperty("jinfer.native.dir");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "jinfer");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isEmpty() ? null : Path.of(home, ".cache", "jinfer");
    }

    /**
     * The folder holding this jar's libraries, extracted now if it is not there yet; null when the
     * jar has no libraries for this platform.
     */
    private static Path extracted(Path cache, String platform) throws IOException {
        URL[] urls = new URL[LIBRARIES.length];
        long key = 17;
        for (int i = 0; i < LIBRARIES.length; i++) {
            urls[i] = NativeLibraries.class.getResource(resource(platform, LIBRARIES[i]));
            if (urls[i] == null) {
                return null;
            }
            key = key * 31 + fingerprint(urls[i]);
        }
        Path dir = cache.resolve("onnxruntime-" + platform + "-" + Long.toHexString(key));
        if (Files.isRegularFile(dir.resolve(".complete"))) {
            return dir;
        }
        Files.createDirectories(cache);
        removePartial(cache);
        long pid = ProcessHandle.current().pid();
        Path partial = Files.createTempDirectory(cache, "." + dir.getFileName() + "." + pid + ".");
        try {
            for (int i = 0; i < LIBRARIES.length; i++) {
                try (InputStream in = urls[i].openStream()) {
                    Files.copy(in, partial.resolve(libraryFile(LIBRARIES[i])));
                }
            }
            Files.createFile(partial.resolve(".complete"));
            try {
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // another JVM got there first: use its folder
            } catch (IOException e) {
                if (!Files.isRegularFile(dir.resolve(".complete"))) {
                    throw e;
                }
            }
        } finally {
            deleteTree(partial);
        }
        return Files.isRegularFile(dir.resolve(".complete")) ? dir : null;
    }

    private static String resource(String platform, String library) {
        return "/ai/onnxruntime/native/" + platform + "/" + libraryFile(library);
    }

    private static String libraryFile(String library) {
        return System.mapLibraryName(library).replace(".jnilib", ".dylib");
    }

    /**
     * The library's CRC and size as its jar records them (no need to inflate it), else its size.
     */
    private static long fingerprint(URL url) throws IOException {
        URLConnection c = url.openConnection();
        if (c instanceof JarURLConnection) {
            java.util.jar.JarEntry e = ((JarURLConnection) c).getJarEntry();
            return e.getCrc() * 31 + e.getSize();
        }
        return c.getContentLengthLong() * 31 + c.getLastModified();
    }

    /** Folders a killed JVM left half-extracted: {@code .onnxruntime-*.PID.N} of dead PIDs. */
    private static void removePartial(Path cache) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(cache, ".onnxruntime-*")) {
            for (Path p : entries) {
                Matcher m = PARTIAL.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    deleteTree(p);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left for the next JVM's removePartial
        }
    }
}
