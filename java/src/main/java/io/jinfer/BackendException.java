package io.jinfer;

/** A backend runtime failed or is unavailable. The runtime's own exception is the cause. */
public class BackendException extends JinferException {
    private static final long serialVersionUID = 1L;

    public BackendException(ErrorCode code, String message) {
        super(code, message);
    }

    public BackendException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
