package io.jinfer.python;

import io.jinfer.BackendException;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;
import io.jinfer.spi.Classpath;

import java.lang.reflect.InvocationTargetException;

/**
 * The one CPython that a plain JVM embeds through Jep, for python artifacts when no Python process
 * hosts the JVM. Started on the first load that needs it, with the Python {@link PythonLocation}
 * finds; it then lives as long as the JVM (CPython can be embedded once per process), and a load
 * that names another Python is refused.
 *
 * <p>Jep and JPype never both load in one process: a JVM that JPype started inside CPython runs
 * python artifacts in that CPython (the host jinfer's Python package installs, {@link
 * PythonRuntimes}), and this class refuses to embed a second one there.
 */
final class EmbeddedPython {
    private static final String RUNTIME = JepClassLoader.HOST + "JepRuntime";

    /**
     * The system property that records which Python this JVM embeds, for every copy of jinfer in it
     * to see: another class loader's (a servlet container's other web application, or an earlier
     * deployment of this one) has statics of its own, but the process has one CPython.
     */
    static final String EMBEDDED = "io.jinfer.python.embedded";

    private static PythonRuntime runtime;
    private static PythonLocation running;
    private static BackendException failed;

    private EmbeddedPython() {}

    /**
     * The embedded CPython's runtime, started now if it is not yet.
     *
     * @throws BackendException ({@code BACKEND_UNAVAILABLE}) when the Python cannot be found or
     *     embedded, or another Python is embedded already
     */
    static synchronized PythonRuntime runtime(LoadOptions options) {
        PythonLocation wanted = PythonLocation.find(options);
        if (failed != null) {
            throw failed;
        }
        if (runtime != null) {
            if (!running.programName().equals(wanted.programName())) {
                throw new BackendException(
                        ErrorCode.BACKEND_UNAVAILABLE,
                        "this JVM embeds the CPython of "
                                + running.executable()
                                + " (named by "
                                + running.source()
                                + "), and CPython can be embedded only once per process, so it"
                                + " cannot embed "
                                + wanted.executable()
                                + " ("
                                + wanted.source()
                                + ") too. Name the same Python, or load this model in another"
                                + " JVM");
            }
            return runtime;
        }
        refuseInsideJPype();
        refuseBesideAnotherCopy();
        try {
            runtime = start(wanted);
            running = wanted;
            System.setProperty(EMBEDDED, wanted.executable() + " (" + wanted.source() + ")");
            return runtime;
        } catch (BackendException e) {
            failed = e;
            throw e;
        }
    }

    private static void refuseInsideJPype() {
        if (Classpath.has(EmbeddedPython.class, "org.jpype.JPypeContext")) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "this JVM runs inside a CPython process (JPype started it), but jinfer's Python"
                            + " package did not install its host there, and embedding a second"
                            + " CPython through Jep in the same process is refused. Start the JVM"
                            + " with jinfer (jinfer.jvm(), jinfer.load(...) or `jinfer run-java`),"
                            + " which runs python artifacts in the CPython that hosts it");
        }
    }

    private static void refuseBesideAnotherCopy() {
        String other = System.getProperty(EMBEDDED);
        if (other != null) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "this JVM embeds the CPython of "
                            + other
                            + " already, through a copy of jinfer that another class loader loaded"
                            + " (another web application, or an earlier deployment of this one),"
                            + " and CPython can be embedded only once per process. Load jinfer"
                            + " from a class loader the applications share (a servlet container's"
                            + " lib/, not each one's WEB-INF/lib), and restart the JVM to"
                            + " redeploy");
        }
    }

    private static PythonRuntime start(PythonLocation where) {
        ClassLoader parent = EmbeddedPython.class.getClassLoader();
        try {
            Class<?> host = new JepClassLoader(where.jepJar(), parent).loadClass(RUNTIME);
            return (PythonRuntime) host.getConstructor(PythonLocation.class).newInstance(where);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BackendException) {
                throw (BackendException) cause;
            }
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "Jep could not embed the CPython of "
                            + where.executable()
                            + " ("
                            + where.source()
                            + ", Python "
                            + where.version()
                            + ", "
                            + where.libjep()
                            + "): "
                            + cause
                            + (cause instanceof UnsatisfiedLinkError
                                    ? "; libjep needs that Python's shared libpython and the JDK's"
                                            + " libjvm: reinstall jep with JAVA_HOME set ("
                                            + where.executable()
                                            + " -m pip install --force-reinstall --no-deps jep)"
                                    : ""),
                    cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "jinfer's Jep host did not load with " + where.jepJar() + ": " + e,
                    e);
        }
    }
}
