package io.jinfer.python;

/** Where the Python process that hosts this JVM installs its {@link PythonRuntime}. */
public final class PythonRuntimes {
    private static volatile PythonRuntime current;

    private PythonRuntimes() {}

    /** Installs the runtime; called by jinfer's Python package right after it starts the JVM. */
    public static void install(PythonRuntime runtime) {
        current = runtime;
    }

    /** The installed runtime, or null in a JVM that no Python process hosts. */
    public static PythonRuntime current() {
        return current;
    }
}
