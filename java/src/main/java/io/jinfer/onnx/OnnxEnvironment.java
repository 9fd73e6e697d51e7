package io.jinfer.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ONNX Runtime's process-wide environment, started once, on a thread whose stack fits this
 * process's command line.
 *
 * <p>ONNX Runtime 1.29's POSIX telemetry (on unless {@code ORT_DISABLE_TELEMETRY=1} is in the
 * environment, which a library cannot set for its own process) runs {@code std::regex} over the
 * process's command line while the environment starts, on the calling thread. GCC's regex recurses
 * about 250 bytes of stack per character, so a JVM thread's default 1 MiB stack overflows from a
 * command line of about 4 KB: a classpath of thirty jars in a temp folder, an IDE or Gradle test
 * worker, a Spark executor. The JVM then dies of SIGSEGV, with no hs_err file and nothing printed.
 * Starting the environment on a thread of its own, with a stack of 1 KiB per byte of the command
 * line (at least 64 MiB; it is reserved, not committed), makes that start safe whatever the
 * caller's thread. Later sessions and runs do not touch the command line again.
 */
final class OnnxEnvironment {
    private static final long MIN_STACK = 64L << 20;
    private static final long MAX_STACK = 2L << 30;
    private static final long STACK_PER_BYTE = 1024;
    private static OrtEnvironment environment;

    private OnnxEnvironment() {}

    /** The environment jinfer's sessions share; the first call starts ONNX Runtime. */
    static synchronized OrtEnvironment get() {
        if (environment == null) {
            NativeLibraries.prepare(); // before ONNX Runtime loads its libraries
            environment = startOnOwnThread();
            NativeLibraries.forgetTelemetryLog();
        }
        return environment;
    }

    private static OrtEnvironment startOnOwnThread() {
        OrtEnvironment[] started = new OrtEnvironment[1];
        Throwable[] failed = new Throwable[1];
        Thread starter =
                new Thread(
                        null,
                        () -> {
                            try {
                                // jinfer reports the runtime's errors in its exceptions: the
                                // runtime's log would repeat them
                                started[0] =
                                        OrtEnvironment.getEnvironment(
                                                OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "jinfer");
                            } catch (Throwable t) { // rethrown on the caller's thread below
                                failed[0] = t;
                            }
                        },
                        "jinfer-onnxruntime-start",
                        stackSize());
        starter.start();
        boolean interrupted = false;
        while (true) {
            try {
                starter.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the start cannot be abandoned halfway: wait, then say so
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed[0] instanceof RuntimeException) {
            throw (RuntimeException) failed[0];
        }
        if (failed[0] instanceof Error) {
            throw (Error) failed[0];
        }
        return started[0];
    }

    /** 1 KiB of stack per byte of this process's command line (Linux), within [64 MiB, 2 GiB]. */
    static long stackSize() {
        long length;
        try {
            length = Files.readAllBytes(Path.of("/proc/self/cmdline")).length;
        } catch (IOException | RuntimeException e) {
            length = 0; // no procfs: the floor covers command lines of 64 KB
        }
        return Math.min(MAX_STACK, Math.max(MIN_STACK, length * STACK_PER_BYTE));
    }
}
