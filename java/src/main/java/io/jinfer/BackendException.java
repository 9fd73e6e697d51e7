package io.jinfer;

/** A backend runtime failed or is unavailable. The runtime's own exception is the cause. */
public class BackendException extends JinferException {
    private static final long serialVersionUID = 1L;

    /** An error of this kind, with its code and a message that names what is at fault. */
    public BackendException(ErrorCode code, String message) {
        super(code, message);
    }

    /** An error of this kind, caused by {@code cause} (a runtime's or the JDK's exception). */
    public BackendException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
