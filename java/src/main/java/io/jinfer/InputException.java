package io.jinfer;

/**
 * The inputs of one {@code predict} call do not fit the model. The model stays usable: fix the
 * inputs and call again. The message names the input, what was expected and what came.
 */
public class InputException extends JinferException {
    private static final long serialVersionUID = 1L;

    public InputException(ErrorCode code, String message) {
        super(code, message);
    }

    public InputException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
