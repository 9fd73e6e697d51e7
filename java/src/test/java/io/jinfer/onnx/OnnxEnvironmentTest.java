package io.jinfer.onnx;

import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Path;

public class OnnxEnvironmentTest {
    @Test
    public void theStackFitsTheCommandLineWithinItsBounds() throws Exception {
        long length = Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
        long size = OnnxEnvironment.stackSize();
        // ONNX Runtime's telemetry needs about 250 bytes of stack per character: keep 4x that
        assertTrue(size + " bytes for " + length, size >= Math.min(2L << 30, length * 1000));
        assertTrue(String.valueOf(size), size >= 64L << 20 && size <= 2L << 30);
    }

    @Test
    public void oneEnvironmentForTheProcessWhicheverThreadAsks() throws Exception {
        Object[] other = new Object[1];
        Thread t = new Thread(() -> other[0] = OnnxEnvironment.get());
        t.start();
        t.join();
        assertSame(other[0], OnnxEnvironment.get());
    }
}
