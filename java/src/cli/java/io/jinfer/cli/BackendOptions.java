package io.jinfer.cli;

import io.jinfer.LoadOptions;

import picocli.CommandLine.Option;

/** The options every verb that loads a model shares: which backend, and whether to trust Python. */
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

    /** Load options for {@code backendName} (null: the first usable artifact), with this trust. */
    LoadOptions load(String backendName) {
        return LoadOptions.builder().backend(backendName).trustPython(trustPython).build();
    }

    /** Load options for the backend the user named, if any. */
    LoadOptions load() {
        return load(backend);
    }
}
