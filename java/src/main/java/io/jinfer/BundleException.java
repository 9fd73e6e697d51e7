package io.jinfer;

/** The bundle is missing, corrupt, tampered with, unsafe or of an unsupported version. */
public class BundleException extends JinferException {
    private static final long serialVersionUID = 1L;

    /** An error of this kind, with its code and a message that names what is at fault. */
    public BundleException(ErrorCode code, String message) {
        super(code, message);
    }

    /** An error of this kind, caused by {@code cause} (a runtime's or the JDK's exception). */
    public BundleException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
