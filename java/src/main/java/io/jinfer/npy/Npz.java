package io.jinfer.npy;

import io.jinfer.Tensor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
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
     * Reads a {@code .npz} file.
     *
     * @throws IOException if the file cannot be read or the zip is damaged
     * @throws IllegalArgumentException if it is not a zip, or an entry is not a supported array
     */
    public static Map<String, Tensor> read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        try {
            return read(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The arrays of {@code .npz} bytes by name ({@code NAME.npy} gives {@code NAME}), in file
     * order, as a {@link LinkedHashMap}.
     *
     * @throws IOException if the zip is damaged or truncated
     * @throws IllegalArgumentException if the bytes are not a zip, or an entry is not a supported
     *     {@code .npy} array (the message names the entry)
     */
    public static Map<String, Tensor> read(byte[] bytes) throws IOException {
        boolean zipMagic = bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K';
        if (!zipMagic) {
            throw new IllegalArgumentException(
                    "not a .npz file: expected a zip archive (starting 'PK'), got "
                            + (bytes.length == 0
                                    ? "an empty file"
                                    : bytes.length + " bytes that are not a zip"));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName();
                String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                byte[] entry = zin.readAllBytes();
                try {
                    out.put(key, Npy.read(entry));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(
                            "array '" + key + "': " + ex.getMessage(), ex);
                }
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
