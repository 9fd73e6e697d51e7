package io.jinfer.npy;

import io.jinfer.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** numpy's {@code .npz}: a zip of {@code NAME.npy} entries, as {@code np.savez} writes it. */
public final class Npz {
    private Npz() {
    }

    /** Reads a {@code .npz} file. */
    public static Map<String, Tensor> read(Path path) throws IOException {
        return read(Files.readAllBytes(path));
    }

    /**
     * The arrays of {@code .npz} bytes by name, in file order.
     * @throws IllegalArgumentException when an entry is not a supported {@code .npy}
     */
    public static Map<String, Tensor> read(byte[] bytes) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                String name = e.getName();
                if (e.isDirectory()) {
                    continue;
                }
                String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                try {
                    out.put(key, Npy.read(zin.readAllBytes()));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("array '" + key + "': " + ex.getMessage(), ex);
                }
            }
        }
        if (out.isEmpty() && bytes.length > 0 && !(bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K')) {
            throw new IllegalArgumentException("not a .npz file (no zip entries)");
        }
        return out;
    }

    /** Writes arrays as a {@code .npz} file, atomically. */
    public static void write(Map<String, Tensor> arrays, Path path) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream zout = new ZipOutputStream(buf)) {
            for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
                zout.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                Npy.write(e.getValue(), zout);
                zout.closeEntry();
            }
        }
        Npy.writeAtomically(path, buf.toByteArray());
    }
}
