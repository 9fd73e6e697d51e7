package io.jinfer;

/** The bundle is missing, corrupt, tampered with, unsafe or of an unsupported version. */
public class BundleException extends JinferException {
    private static final long serialVersionUID = 1L;

    public BundleException(ErrorCode code, String message) {
        super(code, message);
    }

    public BundleException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
