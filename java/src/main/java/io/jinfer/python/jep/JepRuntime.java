package io.jinfer.python.jep;

import io.jinfer.BackendException;
import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.JinferException;
import io.jinfer.Manifest;
import io.jinfer.python.PythonException;
import io.jinfer.python.PythonLocation;
import io.jinfer.python.PythonModel;
import io.jinfer.python.PythonRuntime;

import jep.DirectNDArray;
import jep.JepException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The python backend's runtime in a plain JVM: CPython embedded through Jep, running jinfer's host
 * module ({@code jinfer._runtime.jephost}), which shares the loading and calling of models with the
 * JPype host. Made once per JVM by {@code io.jinfer.python.EmbeddedPython}, through a class loader
 * that takes Jep's classes from the same environment as its native library.
 *
 * <p>Live objects ({@code jinfer.register}) exist only in a Python process that hosts the JVM, so
 * {@link #lookup} finds none here.
 */
public final class JepRuntime implements PythonRuntime {
    /** The staging buffer's size: the python backend's largest small result (16 KiB). */
    private static final int STAGING_BYTES = 16 << 10;

    private final Interpreters interpreters;
    private final ThreadLocal<ByteBuffer> staging = new ThreadLocal<>();

    /**
     * Embeds the CPython of {@code where} and imports jinfer's host module in it.
     *
     * @throws BackendException ({@code BACKEND_UNAVAILABLE}) when CPython does not start, finds
     *     another prefix than the environment's, or cannot import jinfer
     */
    public JepRuntime(PythonLocation where) {
        this.interpreters = new Interpreters(where);
    }

    @Override
    public PythonModel load(byte[] artifact, String manifestJson, String artifactJson) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(artifact.length).put(artifact).flip();
        List<?> answer =
                (List<?>)
                        call(
                                Interpreters.LOAD,
                                new DirectNDArray<>(bytes, true, artifact.length),
                                manifestJson,
                                artifactJson);
        checked(answer);
        Manifest manifest = Manifest.parse(manifestJson.getBytes(StandardCharsets.UTF_8));
        return new JepModel(this, ((Number) answer.get(1)).longValue(), manifest, manifestJson);
    }

    @Override
    public PythonModel lookup(String name) {
        return null;
    }

    @Override
    public String[] names() {
        return new String[0];
    }

    /**
     * This thread's buffer for small results, of at least {@code bytes}: made, and shown to Python
     * (the host module's {@code stage}), on the thread's first small call; null when {@code bytes}
     * is more than a small result takes.
     */
    ByteBuffer staging(int bytes) {
        ByteBuffer mine = staging.get();
        if (mine == null && bytes <= STAGING_BYTES) {
            mine = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.nativeOrder());
            call(Interpreters.STAGE, new DirectNDArray<>(mine, true, STAGING_BYTES));
            staging.set(mine);
        }
        return bytes <= STAGING_BYTES ? mine : null;
    }

    /** Calls one of the host module's functions in this thread's interpreter. */
    Object call(String function, Object... args) {
        try {
            return interpreters.invoke(function, args);
        } catch (JepException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_FAILURE, "the Jep call " + function + " failed: " + e, e);
        }
    }

    /**
     * {@code answer} itself, unless the host module answered {@code ["error", code, type, message,
     * traceback]}: then the error it reports.
     *
     * @throws JinferException a {@link BundleException} for a bundle's fault (a missing library),
     *     else a {@link PythonException}
     */
    static List<?> checked(List<?> answer) {
        if (answer == null || !"error".equals(answer.get(0))) {
            return answer;
        }
        String message = String.valueOf(answer.get(3));
        if (answer.get(1) != null) {
            throw new BundleException(ErrorCode.valueOf(answer.get(1).toString()), message);
        }
        throw new PythonException(
                String.valueOf(answer.get(2)), message, String.valueOf(answer.get(4)));
    }
}
