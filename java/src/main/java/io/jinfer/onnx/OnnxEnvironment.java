package io.jinfer.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * ONNX Runtime's one environment in this JVM. Making it loads the runtime's native libraries, about
 * a quarter of a second, which a fresh process would otherwise spend before or after reading its
 * first bundle (Jackson's start, the zip, the hashing): {@link #startInBackground()} (from {@link
 * OnnxBackend#prepare()}, as {@code Models.load} begins) makes it on a daemon thread of its own
 * meanwhile, and {@link #get()} waits for it, or makes it on the caller's thread if nothing started
 * it. A failure (the native libraries cannot load here) is thrown by {@link #get()}, to the caller
 * that needs the environment, as if it had been made there.
 */
final class OnnxEnvironment {
    private static CompletableFuture<OrtEnvironment> started; // guarded by OnnxEnvironment.class

    private OnnxEnvironment() {}

    /** Begins making the environment on a daemon thread, unless that has begun already. */
    static synchronized void startInBackground() {
        if (started != null) {
            return;
        }
        CompletableFuture<OrtEnvironment> future = new CompletableFuture<>();
        Thread t =
                new Thread(
                        () -> {
                            try {
                                future.complete(make());
                            } catch (Throwable e) { // handed to get(), the caller that needs it
                                future.completeExceptionally(e);
                            }
                        },
                        "jinfer-onnxruntime-start");
        t.setDaemon(true);
        t.setContextClassLoader(OnnxEnvironment.class.getClassLoader());
        started = future;
        t.start();
    }

    /** The environment: the one being made, or made now. */
    static OrtEnvironment get() {
        CompletableFuture<OrtEnvironment> future;
        synchronized (OnnxEnvironment.class) {
            future = started;
        }
        if (future == null) {
            return make();
        }
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            synchronized (OnnxEnvironment.class) {
                started = null; // the next load tries again, on its own thread
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static OrtEnvironment make() {
        // jinfer reports the runtime's errors in its exceptions: the runtime's log would repeat
        // them
        NativeLibraries.prepare(); // before ONNX Runtime loads its libraries
        OrtEnvironment env =
                OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "jinfer");
        NativeLibraries.forgetTelemetryLog();
        return env;
    }
}
