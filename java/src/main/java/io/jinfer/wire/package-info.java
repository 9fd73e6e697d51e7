/**
 * The wire format shared with jinfer's Python package: how several tensors lie in one buffer
 * ({@link io.jinfer.wire.Layout}). It lives below both its users, the python backend (Java calling
 * CPython) and the bridge (CPython calling Java), so that neither depends on the other.
 *
 * <p><b>Layer:</b> format, above the core.
 *
 * <p><b>May import:</b> {@code io.jinfer}.
 */
package io.jinfer.wire;
