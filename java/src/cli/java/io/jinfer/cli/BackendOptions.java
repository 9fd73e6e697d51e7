package io.jinfer.cli;

import io.jinfer.LoadOptions;

import picocli.CommandLine.Option;

/**
 * The options every verb that loads a model shares: which backend, whether to trust Python, and
 * whether NaN may reach the model.
 */
final class BackendOptions {
    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description =
                    "Use only this backend's artifact: onnx, pmml or python (default: the first"
                            + " usable).")
    String backend;

    @Option(
            names = "--trust-python",
            description = "Allow python artifacts to be unpickled (runs their code).")
    boolean trustPython;

    @Option(
            names = "--allow-non-finite",
            description =
                    "Let NaN and infinities through to a model that handles missing values"
                            + " (refused by default; verify and bench always allow their recorded"
                            + " sample).")
    boolean allowNonFinite;

    /**
     * Load options for {@code backendName} (null: the first usable artifact), as the flags say,
     * with {@code warmup} calls at load.
     */
    LoadOptions load(String backendName, int warmup) {
        return builder(backendName).allowNonFinite(allowNonFinite).warmup(warmup).build();
    }

    /**
     * Load options for a verb that runs the bundle's recorded sample (verify, bench): NaN allowed,
     * since the model answered that sample at export.
     */
    LoadOptions forSample(String backendName, int warmup) {
        return builder(backendName).allowNonFinite(true).warmup(warmup).build();
    }

    private LoadOptions.Builder builder(String backendName) {
        return LoadOptions.builder().backend(backendName).trustPython(trustPython);
    }

    /** Load options for the backend the user named, if any, with {@code warmup} calls at load. */
    LoadOptions load(int warmup) {
        return load(backend, warmup);
    }
}
