/**
 * The backend SPI: what a backend implements ({@link io.jinfer.spi.Backend}, {@link
 * io.jinfer.spi.BackendSession}) and what it is given ({@link io.jinfer.spi.ArtifactContext}).
 * Backends are found with {@link java.util.ServiceLoader} through {@code
 * META-INF/services/io.jinfer.spi.Backend}.
 *
 * <p><b>Layer:</b> core, with {@link io.jinfer}. Only backends and {@link io.jinfer.Models} use it;
 * a client (the CLI, the bridge, a user's service) never does.
 *
 * <p><b>May import:</b> {@code io.jinfer}.
 */
package io.jinfer.spi;
