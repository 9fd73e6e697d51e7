package io.jinfer.cli;

import static org.junit.Assert.assertFalse;

import io.jinfer.DType;
import io.jinfer.Tensor;
import io.jinfer.TestBundles;
import io.jinfer.npy.Npz;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --warmup N} of {@code jinfer bench} and {@code jinfer predict}, on a bundle whose parity
 * sample does not fit its model: a warm-up at load fails on it (naming the bundle), none does not.
 */
public class WarmupOptionTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private Path bundle() throws IOException {
        return TestBundles.addMulWithBadSample(tmp.getRoot().toPath().resolve("bad.jinfer"));
    }

    private Path oneRow() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("x", Tensor.zeros(DType.FLOAT32, 1, 3));
        in.put("z", Tensor.zeros(DType.FLOAT64, 1, 2));
        Path input = tmp.getRoot().toPath().resolve("in.npz");
        Npz.write(in, input);
        return input;
    }

    @Test
    public void predictWarmsUpOnlyWhenAsked() throws IOException {
        String b = bundle().toString();
        String in = oneRow().toString();
        MainTest.run("predict", b, "--input", in).ok();
        MainTest.run("predict", b, "--input", in, "--warmup", "0").ok();
        MainTest.run("predict", b, "--input", in, "--warmup", "3")
                .failsWith(Main.USAGE, b, "warm-up", "parity sample");
    }

    @Test
    public void benchWarmsUpByDefaultAndNotWithWarmupZero() throws IOException {
        String b = bundle().toString();
        MainTest.run("bench", b, "--batch", "1").failsWith(Main.USAGE, b, "warm-up");
        // without the warm-up, the load succeeds and the bench's own first call meets the sample
        MainTest.Run cold = MainTest.run("bench", b, "--batch", "1", "--warmup", "0");
        cold.failsWith(Main.USAGE, "x");
        assertFalse(cold.err, cold.err.contains("warm-up"));
    }

    @Test
    public void aNegativeWarmupIsBadUsage() throws IOException {
        MainTest.run("bench", bundle().toString(), "--warmup", "-1")
                .failsWith(Main.USAGE, "--warmup", "-1");
    }
}
