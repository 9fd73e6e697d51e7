package io.jinfer;

import java.util.Objects;

/**
 * Base of every jinfer error. Catch a subclass to know whose fault it is: {@link BundleException}
 * (the file; retire it), {@link InputException} (this call; fix the inputs and go on), {@link
 * BackendException} (the runtime; the cause is chained).
 */
public class JinferException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /** An error with its code and a message that names what is at fault. */
    public JinferException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** An error caused by {@code cause}; {@code code} may not be null. */
    public JinferException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable error code, shared with the Python package. */
    public ErrorCode code() {
        return code;
    }
}
