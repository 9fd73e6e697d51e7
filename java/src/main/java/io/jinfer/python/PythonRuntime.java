package io.jinfer.python;

/**
 * The CPython side of the python backend, implemented in Python ({@code jinfer._runtime.pyhost})
 * and installed with {@link PythonRuntimes#install} when a Python process hosts the JVM ({@code
 * jinfer run-java}, {@code jinfer.jvm()}).
 */
public interface PythonRuntime {
    /**
     * Unpickles a python artifact whose bytes were already checked against the manifest.
     *
     * @throws io.jinfer.BundleException when a library the model needs is missing
     */
    PythonModel load(byte[] artifact, String manifestJson, String artifactJson);

    /** The live object registered under {@code name} ({@code jinfer.register}), or null. */
    PythonModel lookup(String name);

    /** The names of the live objects registered now. */
    String[] names();
}
