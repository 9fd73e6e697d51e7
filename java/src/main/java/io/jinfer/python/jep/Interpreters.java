package io.jinfer.python.jep;

import io.jinfer.BackendException;
import io.jinfer.ErrorCode;
import io.jinfer.python.PythonLocation;

import jep.ClassEnquirer;
import jep.Interpreter;
import jep.JepConfig;
import jep.JepException;
import jep.MainInterpreter;
import jep.PyConfig;
import jep.SharedInterpreter;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The embedded CPython's interpreters, one per Java thread that calls into it.
 *
 * <p>A Jep interpreter belongs to the thread that made it, and numpy refuses sub-interpreters. So
 * one {@link SharedInterpreter}, the root, lives on a daemon thread of its own for the life of the
 * JVM; it imports jinfer's host module into its globals once. Each Java thread that calls a model
 * gets an interpreter attached to the root ({@link Interpreter#attach(boolean)}, Jep 4.3), made on
 * its first call and kept in a {@link ThreadLocal}: it shares the root's globals and modules, so a
 * model is unpickled once and every thread calls the same Python object. Calls serialise on the
 * GIL, which Python code that releases it (numpy, scikit-learn's trees) lets other threads take.
 *
 * <p>An attached interpreter can be closed only by its own thread, so one made by a thread that
 * ends stays allocated (a few kilobytes): thread pools, which keep their threads, suit this.
 */
final class Interpreters {
    /** The names the root binds in the shared globals: jinfer's host module's functions. */
    static final String LOAD = "_jinfer_load";

    static final String PREDICT = "_jinfer_predict";
    static final String DROP = "_jinfer_drop";
    static final String STAGE = "_jinfer_stage";

    private final SharedInterpreter root;
    private final ThreadLocal<Interpreter> attached = new ThreadLocal<>();

    /**
     * Embeds CPython: Jep's native library and the program name from {@code where}, Python's stdout
     * and stderr redirected into {@link System#out} and {@link System#err} (so nothing printed is
     * lost at {@link System#exit}), and the root interpreter on its thread.
     */
    Interpreters(PythonLocation where) {
        MainInterpreter.setJepLibraryPath(where.libjep().toString());
        MainInterpreter.setInitParams(PyConfig.python().setProgramName(where.programName()));
        SharedInterpreter.setConfig(
                new JepConfig()
                        .setClassEnquirer(new JavaOnly())
                        .redirectStdout(System.out)
                        .redirectStdErr(System.err));
        this.root = startRoot(where);
    }

    /** Calls a function of the shared globals with {@code args}, in this thread's interpreter. */
    Object invoke(String function, Object... args) {
        return current().invoke(function, args);
    }

    /** This thread's interpreter, attached to the root on its first call. */
    private Interpreter current() {
        Interpreter mine = attached.get();
        if (mine == null) {
            mine = root.attach(true);
            attached.set(mine);
        }
        return mine;
    }

    private static SharedInterpreter startRoot(PythonLocation where) {
        CompletableFuture<SharedInterpreter> made = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            SharedInterpreter root;
                            try {
                                root = new SharedInterpreter();
                                prepare(root, where);
                            } catch (RuntimeException | Error e) {
                                made.completeExceptionally(e);
                                return;
                            }
                            made.complete(root);
                            awaitForever(); // the root must outlive every interpreter attached to
                            // it
                        },
                        "jinfer-python");
        thread.setDaemon(true);
        thread.start();
        try {
            return made.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BackendException) {
                throw (BackendException) cause;
            }
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "Jep could not start the CPython of "
                            + where.executable()
                            + " ("
                            + where.source()
                            + "): "
                            + cause.getMessage(),
                    cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE, "interrupted while starting CPython", e);
        }
    }

    /**
     * Checks that CPython found the environment's own prefix (not that of the first {@code python3}
     * on {@code PATH}), and binds jinfer's host functions in the shared globals.
     */
    private static void prepare(SharedInterpreter root, PythonLocation where) {
        root.exec("import sys");
        Object prefix = root.getValue("sys.prefix");
        if (!where.prefix().equals(prefix)) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "the CPython embedded for "
                            + where.executable()
                            + " took its prefix "
                            + prefix
                            + " rather than the environment's "
                            + where.prefix()
                            + "; mixing two installations' standard libraries breaks numpy");
        }
        try {
            root.exec(
                    "from jinfer._runtime.jephost import load as "
                            + LOAD
                            + ", predict as "
                            + PREDICT
                            + ", drop as "
                            + DROP
                            + ", stage as "
                            + STAGE);
        } catch (JepException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE,
                    "the CPython of "
                            + where.executable()
                            + " could not import jinfer's host module: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * What Python may import from Java: {@code java.*} alone (Jep's stream redirect imports {@code
     * java.io.PrintStream}). Jep's import hook runs before Python's own finders, and its default,
     * every package on the classpath, let JPMML's Java packages {@code numpy} and {@code sklearn}
     * hide the Python ones.
     */
    static final class JavaOnly implements ClassEnquirer {
        @Override
        public boolean isJavaPackage(String name) {
            return name.equals("java") || name.startsWith("java.");
        }

        @Override
        public String[] getClassNames(String pkg) {
            return null; // classes load on first use (Jep's module __getattr__)
        }

        @Override
        public String[] getSubPackages(String pkg) {
            return null;
        }
    }

    private static void awaitForever() {
        CountDownLatch never = new CountDownLatch(1);
        while (true) {
            try {
                never.await();
            } catch (InterruptedException e) {
                // the root interpreter stays: models of every thread live in it
            }
        }
    }
}
