package io.jinfer.npy;

import io.jinfer.Bundle;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.Tensor;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;

/**
 * The parity sample a bundle records at export: the sample inputs ({@code parity/inputs.npz}) and
 * the original model's outputs on them ({@code parity/expected.npz}), which {@code jinfer verify}
 * runs again.
 *
 * <pre>{@code
 * try (Bundle b = Bundle.open(path)) {
 *     Map<String, Tensor> inputs = ParitySample.inputs(b);
 *     Map<String, Tensor> expected = ParitySample.expected(b);
 * }
 * }</pre>
 */
public final class ParitySample {
    /** The sample inputs' file in a bundle. */
    public static final String INPUTS = "parity/inputs.npz";

    /** The original model's outputs' file in a bundle. */
    public static final String EXPECTED = "parity/expected.npz";

    private ParitySample() {}

    /**
     * The parity sample inputs recorded at export; empty if the bundle has none.
     *
     * @throws BundleException ({@code INVALID_NPY}) if the file is not a valid {@code .npz}
     */
    public static Map<String, Tensor> inputs(Bundle bundle) {
        return read(bundle, INPUTS);
    }

    /**
     * The original model's outputs on the parity sample; empty if the bundle has none.
     *
     * @throws BundleException ({@code INVALID_NPY}) if the file is not a valid {@code .npz}
     */
    public static Map<String, Tensor> expected(Bundle bundle) {
        return read(bundle, EXPECTED);
    }

    private static Map<String, Tensor> read(Bundle bundle, String name) {
        if (!bundle.contains(name)) {
            return Collections.emptyMap();
        }
        byte[] npz = bundle.read(name);
        try {
            return Npz.read(
                    npz, bundle.path() + ": " + name, bundle.limits(), bundle.remainingBytes());
        } catch (IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT,
                    name + " in " + bundle.path() + " cannot be read: " + e.getMessage(),
                    e);
        }
    }
}
