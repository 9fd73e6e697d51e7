package io.jinfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A zip archive read by the rules both jinfer readers share ({@code docs/bundle-format.md},
 * "Reading rules"): a bundle, or an {@code .npz} file. Python's {@code jinfer._zip.SafeZip} is the
 * same reader.
 *
 * <p>Opening indexes the central directory before any entry is read: the number of entries, every
 * name (for a bundle, {@link BundlePaths}' rule), each entry stored or deflated, unencrypted (the
 * JDK refuses encrypted entries) and present once, and each declared size and their sum within the
 * {@link Limits}. {@link #read} yields exactly an entry's declared size: a deflate stream that goes
 * on past it is refused after one byte more, one that ends before it is refused, and the CRC-32 is
 * checked.
 *
 * <pre>{@code
 * try (SafeZip z = SafeZip.open(path, "x.npz", Limits.defaults(), budget, ErrorCode.INVALID_NPY, false)) {
 *     for (String name : z.names()) { byte[] data = z.read(name); }
 * }
 * }</pre>
 */
public final class SafeZip implements AutoCloseable {
    private final ZipFile zip;
    private final String where;
    private final ErrorCode corrupt;
    private final Map<String, ZipEntry> entries; // in the archive's order

    private SafeZip(ZipFile zip, String where, ErrorCode corrupt, Map<String, ZipEntry> entries) {
        this.zip = zip;
        this.where = where;
        this.corrupt = corrupt;
        this.entries = entries;
    }

    /**
     * Opens and indexes the zip file {@code file}.
     *
     * @param where names the archive in messages
     * @param budget the bytes its entries may declare in all
     * @param corrupt the code of a damaged archive: {@code BUNDLE_CORRUPT} for a bundle, {@code
     *     INVALID_NPY} for an {@code .npz}
     * @param paths whether entry names follow the rule for bundle file names
     * @throws BundleException with {@code corrupt}, {@code UNSAFE_PATH} or {@code BUNDLE_TOO_LARGE}
     */
    public static SafeZip open(
            Path file, String where, Limits limits, long budget, ErrorCode corrupt, boolean paths) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new BundleException(
                    corrupt,
                    where
                            + " is not a readable zip file ("
                            + e.getMessage()
                            + "); it may be truncated or not a zip",
                    e);
        }
        try {
            return new SafeZip(
                    zip, where, corrupt, index(zip, where, limits, budget, corrupt, paths));
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    private static Map<String, ZipEntry> index(
            ZipFile zip,
            String where,
            Limits limits,
            long budget,
            ErrorCode corrupt,
            boolean paths) {
        if (zip.size() > limits.maxEntries()) {
            throw tooMany(where, zip.size(), limits);
        }
        List<ZipEntry> all = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        try {
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (paths) { // every name, before anything is read
                    BundlePaths.requireSafe(e.getName(), where + ": zip entry");
                }
                all.add(e);
            }
        } catch (IllegalArgumentException e) { // the JDK decodes names and comments as it lists
            throw new BundleException(
                    corrupt,
                    where + ": a zip entry's name or comment is not UTF-8 (" + e.getMessage() + ")",
                    e);
        }
        Map<String, ZipEntry> out = new LinkedHashMap<>();
        long total = 0;
        for (ZipEntry e : all) {
            String name = e.getName();
            if (e.isDirectory()) {
                continue;
            }
            if (out.containsKey(name)) {
                throw new BundleException(
                        corrupt, where + ": zip entry \"" + name + "\" appears twice");
            }
            if (e.getMethod() == ZipEntry.STORED && e.getCompressedSize() != e.getSize()) {
                throw new BundleException(
                        corrupt,
                        where
                                + ": stored zip entry \""
                                + name
                                + "\" declares "
                                + e.getSize()
                                + " bytes but holds "
                                + e.getCompressedSize());
            }
            if (e.getSize() < 0) {
                throw new BundleException(
                        corrupt, where + ": zip entry \"" + name + "\" does not declare its size");
            }
            total = addSize(where, name, e.getSize(), total, limits, budget);
            out.put(name, e);
        }
        return out;
    }

    /** {@code total + size}, after checking both against the limits (sizes are never negative). */
    static long addSize(
            String where, String name, long size, long total, Limits limits, long budget) {
        if (size > limits.maxEntryBytes()) {
            throw new BundleException(
                    ErrorCode.BUNDLE_TOO_LARGE,
                    where
                            + ": "
                            + name
                            + " is "
                            + size
                            + " bytes uncompressed, over the bound of "
                            + limits.maxEntryBytes()
                            + " for one file (Limits.maxEntryBytes)");
        }
        long sum = total + size; // each at most 2^31: no overflow below 2^32 entries
        if (sum > budget) {
            throw tooLarge(where, budget);
        }
        return sum;
    }

    static BundleException tooMany(String where, long count, Limits limits) {
        return new BundleException(
                ErrorCode.BUNDLE_TOO_LARGE,
                where
                        + " holds "
                        + count
                        + " entries, over the bound of "
                        + limits.maxEntries()
                        + " (Limits.maxEntries)");
    }

    static BundleException tooLarge(String where, long budget) {
        return new BundleException(
                ErrorCode.BUNDLE_TOO_LARGE,
                where
                        + " holds more than "
                        + budget
                        + " uncompressed bytes (the bound); raise Limits.maxBundleBytes if you"
                        + " trust it");
    }

    /** The file names, in the archive's order (directories left out). */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** The size entry {@code name} declares, or -1 when there is no such entry. */
    public long size(String name) {
        ZipEntry e = entries.get(name);
        return e == null ? -1 : e.getSize();
    }

    /**
     * Exactly the bytes entry {@code name} declares, its CRC-32 checked.
     *
     * @throws BundleException (the archive's code) if the entry holds more or fewer bytes than it
     *     declares, fails its CRC or cannot be inflated
     * @throws IllegalArgumentException if there is no such entry
     */
    public byte[] read(String name) {
        ZipEntry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(where + " has no entry " + name);
        }
        byte[] data;
        try (InputStream in = zip.getInputStream(e)) {
            data = readExactly(in, e.getSize(), where, name, corrupt);
        } catch (ZipException ex) {
            throw new BundleException(
                    corrupt, where + ": " + name + " is corrupt: " + ex.getMessage(), ex);
        } catch (IOException ex) {
            throw new BundleException(
                    corrupt, where + ": cannot read " + name + ": " + ex.getMessage(), ex);
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        if (crc.getValue() != e.getCrc()) {
            throw new BundleException(
                    corrupt,
                    where
                            + ": "
                            + name
                            + " fails its CRC-32 check (0x"
                            + Long.toHexString(crc.getValue())
                            + ", the zip says 0x"
                            + Long.toHexString(e.getCrc())
                            + "); it is damaged");
        }
        return data;
    }

    /**
     * Exactly {@code size} bytes of {@code in}: fewer, or one byte more, is refused with {@code
     * corrupt}, and nothing past that one byte is read.
     */
    static byte[] readExactly(
            InputStream in, long size, String where, String name, ErrorCode corrupt)
            throws IOException {
        byte[] data = new byte[(int) size];
        int n = in.readNBytes(data, 0, data.length);
        if (n < data.length) {
            throw new BundleException(
                    corrupt,
                    where
                            + ": "
                            + name
                            + " ends after "
                            + n
                            + " of the "
                            + size
                            + " bytes it declares");
        }
        if (in.read() >= 0) {
            throw new BundleException(
                    corrupt,
                    where + ": " + name + " holds more than the " + size + " bytes it declares");
        }
        return data;
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile z) {
        try {
            z.close();
        } catch (IOException ignored) {
            // closing a read-only zip cannot lose data
        }
    }
}
