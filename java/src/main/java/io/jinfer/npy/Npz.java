package io.jinfer.npy;

import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.Limits;
import io.jinfer.SafeZip;
import io.jinfer.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * numpy's {@code .npz}: a zip of {@code NAME.npy} entries, as {@code np.savez} (stored) and {@code
 * np.savez_compressed} (deflated) write it. Arrays come back by name, in file order.
 *
 * <pre>{@code
 * Map<String, Tensor> arrays = Npz.read(Path.of("inputs.npz"));
 * Npz.write(Map.of("features", x), Path.of("out.npz"));     // atomic
 * }</pre>
 */
public final class Npz {
    private Npz() {}

    /**
     * Reads a {@code .npz} file within the default {@link Limits}.
     *
     * @see #read(Path, String, Limits, long)
     */
    public static Map<String, Tensor> read(Path path) throws IOException {
        return read(path, path.toString(), Limits.defaults(), Limits.defaults().maxBundleBytes());
    }

    /**
     * The arrays of {@code .npz} bytes within the default {@link Limits}.
     *
     * @see #read(byte[], String, Limits, long)
     */
    public static Map<String, Tensor> read(byte[] bytes) throws IOException {
        return read(bytes, ".npz", Limits.defaults(), Limits.defaults().maxBundleBytes());
    }

    /**
     * The arrays of {@code .npz} bytes by name ({@code NAME.npy} gives {@code NAME}), in the
     * archive's order, as a {@link LinkedHashMap}. The zip is read by {@link SafeZip}, from its
     * central directory as Python's reader does; the bytes go through a temporary file, since the
     * JDK reads a central directory only from a file.
     *
     * @param where names the file in messages
     * @param budget the bytes the members may inflate to, in all (what a bundle has left)
     * @throws IOException if the temporary file cannot be written
     * @throws BundleException ({@code INVALID_NPY}) if the bytes are not a zip of supported {@code
     *     .npy} arrays (the message names the member); ({@code BUNDLE_TOO_LARGE}) past a limit
     */
    public static Map<String, Tensor> read(byte[] bytes, String where, Limits limits, long budget)
            throws IOException {
        boolean zipMagic = bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K';
        if (!zipMagic) {
            throw new BundleException(
                    ErrorCode.INVALID_NPY,
                    where
                            + ": not a .npz file: expected a zip archive (starting 'PK'), got "
                            + (bytes.length == 0
                                    ? "an empty file"
                                    : bytes.length + " bytes that are not a zip"));
        }
        Path tmp = Files.createTempFile("jinfer-npz-", ".npz");
        try {
            Files.write(tmp, bytes);
            return read(tmp, where, limits, budget);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The arrays of the {@code .npz} file {@code path}.
     *
     * @see #read(byte[], String, Limits, long)
     */
    public static Map<String, Tensor> read(Path path, String where, Limits limits, long budget)
            throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafeZip zip =
                SafeZip.open(path, where, limits, budget, ErrorCode.INVALID_NPY, false)) {
            for (String name : zip.names()) {
                String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                if (out.containsKey(key)) {
                    throw new BundleException(
                            ErrorCode.INVALID_NPY, where + ": array '" + key + "' appears twice");
                }
                out.put(key, Npy.read(zip.read(name), where + ", array '" + key + "'", limits));
            }
        }
        return out;
    }

    /**
     * Writes arrays as a {@code .npz} file of stored {@code NAME.npy} entries, like {@code
     * np.savez}, atomically (a temporary file, then a rename).
     *
     * @throws IOException if the file cannot be written
     */
    public static void write(Map<String, Tensor> arrays, Path path) throws IOException {
        Npy.writeAtomically(
                path,
                stream -> {
                    ZipOutputStream zout = new ZipOutputStream(stream);
                    for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
                        byte[] npy = Npy.toBytes(e.getValue());
                        ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                        entry.setMethod(ZipEntry.STORED);
                        entry.setSize(npy.length);
                        entry.setCompressedSize(npy.length);
                        CRC32 crc = new CRC32();
                        crc.update(npy);
                        entry.setCrc(crc.getValue());
                        zout.putNextEntry(entry);
                        zout.write(npy);
                        zout.closeEntry();
                    }
                    zout.finish();
                });
    }
}
