package io.jinfer;

/**
 * The inputs of one {@code predict} call do not fit the model. The model stays usable: fix the
 * inputs and call again. The message names the input, what was expected and what came.
 */
public class InputException extends JinferException {
    private static final long serialVersionUID = 1L;

    /** An error of this kind, with its code and a message that names what is at fault. */
    public InputException(ErrorCode code, String message) {
        super(code, message);
    }

    /** An error of this kind, caused by {@code cause} (a runtime's or the JDK's exception). */
    public InputException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
