package io.jinfer.fuzz;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The directory bundle opener. The bytes are read as a zip (leniently, entry by entry) and laid out
 * as a directory: each entry with a plain name becomes a file, and an entry called {@code
 * NAME.link} becomes a symbolic link {@code NAME} to the path its content spells (inside the
 * bundle, outside it, to itself). Then the directory is opened and read through.
 */
public final class BundleDirectoryFuzz {
    private static final Pattern PLAIN =
            Pattern.compile("([A-Za-z0-9_.-]{1,40}/){0,3}[A-Za-z0-9_.-]{1,40}");
    private static final int MAX_FILES = 16;

    private BundleDirectoryFuzz() {}

    /**
     * Jazzer calls this once before it times inputs: the classes the reader needs are loaded (and
     * instrumented) here, not within the first input's time box.
     */
    public static void fuzzerInitialize() {
        Fuzz.warmUp();
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(
                () -> {
                    Path dir = Fuzz.scratch("bundle");
                    Files.createDirectories(dir);
                    if (layOut(data, dir)) {
                        Fuzz.readAll(dir);
                    }
                });
    }

    /** Lays the entries out under {@code dir}; false when the bytes are no zip at all. */
    private static boolean layOut(byte[] data, Path dir) {
        int files = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(data))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null && files < MAX_FILES; files++) {
                String name = e.getName();
                if (!PLAIN.matcher(name).matches() || name.contains("..")) {
                    continue;
                }
                byte[] content = in.readNBytes(1 << 20);
                Path file =
                        dir.resolve(
                                name.endsWith(".link")
                                        ? name.substring(0, name.length() - 5)
                                        : name);
                if (Files.exists(file) || file.getFileName().toString().isEmpty()) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                if (name.endsWith(".link")) {
                    Files.createSymbolicLink(
                            file, Path.of(new String(content, StandardCharsets.UTF_8).trim()));
                } else {
                    Files.write(file, content);
                }
            }
        } catch (IOException | IllegalArgumentException e) { // a bad entry, or a link path
            return files > 0; // what was laid out before the zip broke is still a directory
        }
        return true;
    }
}
