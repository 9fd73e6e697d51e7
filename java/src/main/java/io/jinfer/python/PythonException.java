package io.jinfer.python;

import io.jinfer.BackendException;
import io.jinfer.ErrorCode;

/**
 * A Python exception raised inside a Python model, carried into Java with its Python type, message
 * and traceback. The model and both runtimes stay usable.
 */
public class PythonException extends BackendException {
    private static final long serialVersionUID = 1L;
    private final String pythonType;
    private final String pythonMessage;
    private final String pythonTraceback;

    /**
     * A Python exception as jinfer's Python package reports it ({@code BACKEND_FAILURE}).
     *
     * @param pythonType its qualified type, e.g. {@code builtins.ValueError}
     * @param pythonMessage its message, {@code str(e)}
     * @param pythonTraceback its traceback, formatted as Python prints it
     */
    public PythonException(String pythonType, String pythonMessage, String pythonTraceback) {
        super(
                ErrorCode.BACKEND_FAILURE,
                "Python model raised " + pythonType + ": " + pythonMessage);
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback;
    }

    /** The Python exception's qualified type, e.g. {@code builtins.ValueError}. */
    public String pythonType() {
        return pythonType;
    }

    /** The Python exception's message, {@code str(e)}. */
    public String pythonMessage() {
        return pythonMessage;
    }

    /** The Python traceback, formatted as Python prints it. */
    public String pythonTraceback() {
        return pythonTraceback;
    }
}
