package io.jinfer;

/**
 * What went wrong, as a stable name shared with the Python package ({@code JinferError.code}). The
 * names are the contract; see {@code docs/bundle-format.md}.
 */
public enum ErrorCode {
    // the bundle: BundleException
    BUNDLE_NOT_FOUND,
    BUNDLE_CORRUPT,
    INVALID_MANIFEST,
    UNSUPPORTED_VERSION,
    CHECKSUM_MISMATCH,
    UNSAFE_PATH,
    BUNDLE_TOO_LARGE,
    ARTIFACT_MISSING,
    UNSUPPORTED_ARTIFACT,
    UNSAFE_CONTENT,
    INVALID_NPY,
    UNTRUSTED_ARTIFACT,
    MISSING_DEPENDENCY,
    // this call: InputException
    MISSING_INPUT,
    UNKNOWN_INPUT,
    DTYPE_MISMATCH,
    RANK_MISMATCH,
    SHAPE_MISMATCH,
    INVALID_VALUE,
    INVALID_CSV,
    // the runtime: BackendException
    BACKEND_UNAVAILABLE,
    BACKEND_FAILURE,
    NO_USABLE_BACKEND,
    // the model: JinferException
    MODEL_CLOSED
}
