/**
 * The {@code mojo} backend: an H2O MOJO scored by {@code h2o-genmodel} as its {@code
 * EasyPredictModelWrapper} scores it (genmodel's own categorical encoders and {@code score0}, or
 * the wrapper itself for a MOJO with a row converter of its own), behind a manifest's canonical
 * names, a batch scored row by row inside Java.
 *
 * <p><b>Layer:</b> backend. Found through the SPI's service file; nothing imports it. h2o-genmodel
 * is an optional dependency: only classes that load after {@link io.jinfer.mojo.MojoBackend} found
 * it name its types.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.spi}; h2o-genmodel ({@code
 * hex.genmodel}).
 */
package io.jinfer.mojo;
