package io.jinfer.mojo;

import io.jinfer.BundleException;
import io.jinfer.ErrorCode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A MOJO's files, read into memory from the artifact's bytes (already checked against the
 * manifest's sha256), with their total size bounded so that a zip bomb is refused, and the {@code
 * [info]} section of its {@code model.ini}, read before h2o-genmodel sees the MOJO.
 *
 * @param files the MOJO's files by their path inside it
 * @param info the {@code [info]} keys of {@code model.ini}: {@code algo}, {@code algorithm}, {@code
 *     category}, {@code h2o_version}, ...
 */
record MojoArchive(Map<String, byte[]> files, Map<String, String> info) {

    /**
     * Reads a MOJO.
     *
     * @param where the artifact's path in the bundle, for messages
     * @param maxBytes the most its files may hold, uncompressed, in all
     * @throws BundleException if it is not a zip, has no {@code model.ini}, or is too large
     */
    static MojoArchive read(byte[] mojo, String where, long maxBytes) {
        Map<String, byte[]> files = new HashMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(mojo))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.isDirectory()) {
                    continue;
                }
                byte[] data = readAll(zip, maxBytes - total, where);
                total += data.length;
                files.put(e.getName(), data);
            }
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    where + " is not a readable MOJO (a zip file): " + e.getMessage(),
                    e);
        }
        byte[] ini = files.get("model.ini");
        if (ini == null) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    where
                            + " is not an H2O MOJO: it has no model.ini (it holds "
                            + (files.size() > 5 ? files.size() + " files" : files.keySet())
                            + ")");
        }
        return new MojoArchive(files, info(new String(ini, StandardCharsets.UTF_8)));
    }

    private static byte[] readAll(InputStream in, long budget, String where) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
            out.write(buf, 0, n);
            if (out.size() > budget) {
                throw new BundleException(
                        ErrorCode.BUNDLE_TOO_LARGE,
                        where
                                + " expands beyond the bundle size limit; raise"
                                + " LoadOptions.maxBundleBytes if the model is that large");
            }
        }
        return out.toByteArray();
    }

    /** The {@code key = value} lines of the {@code [info]} section. */
    private static Map<String, String> info(String ini) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean inInfo = false;
        for (String line : ini.split("\n")) {
            String s = line.strip();
            if (s.startsWith("[")) {
                inInfo = s.equals("[info]");
            } else if (inInfo && s.contains("=")) {
                int eq = s.indexOf('=');
                out.put(s.substring(0, eq).strip(), s.substring(eq + 1).strip());
            }
        }
        return out;
    }

    /** The algorithm's name as H2O writes it, e.g. {@code Gradient Boosting Machine}. */
    String algorithm() {
        return info.getOrDefault("algorithm", info.getOrDefault("algo", "?"));
    }

    /** The model category, e.g. {@code Binomial}, {@code Regression}. */
    String category() {
        return info.getOrDefault("category", "?");
    }
}
