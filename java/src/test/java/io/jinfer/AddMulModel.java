package io.jinfer;

import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * A JUnit rule: {@code add_mul.onnx} as a bundle, loaded through {@link Models} before each test
 * and closed after it. The model: x float32 [-1, 3], z float64 [-1, 2] -> y = x + [1, 2, 3], w =
 * 2z.
 */
public final class AddMulModel extends ExternalResource {
    private final TemporaryFolder dir = new TemporaryFolder();
    private Model model;

    @Override
    protected void before() throws Throwable {
        dir.create();
        model =
                Models.load(
                        TestBundles.addMulZip(dir.getRoot().toPath().resolve("add_mul.jinfer")));
    }

    @Override
    protected void after() {
        model.close();
        dir.delete();
    }

    /** The loaded model. */
    public Model get() {
        return model;
    }
}
