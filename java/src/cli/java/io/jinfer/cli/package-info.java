/**
 * The Java command line, {@code jinfer inspect|verify|predict|bench} ({@link io.jinfer.cli.Main}),
 * with the verbs, flags and exit codes of the Python CLI.
 *
 * <p><b>Layer:</b> client, on top of the public API, beside the bridge.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.npy}; picocli and Jackson.
 */
package io.jinfer.cli;
