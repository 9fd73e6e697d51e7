/**
 * The Python-to-Java client bridge: the calls jinfer's Python package makes into the JVM through
 * JPype ({@link io.jinfer.bridge.FromPython}, {@link io.jinfer.bridge.StagedCall}), shaped to cross
 * the boundary as few times as possible. (The other direction, Java calling a Python model, is the
 * {@link io.jinfer.python} backend.)
 *
 * <p><b>Layer:</b> client, on top of the public API, beside the CLI.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.wire}.
 */
package io.jinfer.bridge;
