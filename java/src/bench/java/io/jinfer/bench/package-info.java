/**
 * The Java side of the benchmark harness ({@code bench/run.py}): jinfer's Java API timed against
 * raw ONNX Runtime Java, raw JPMML and raw h2o-genmodel, side by side in one run. Never part of the
 * jar.
 *
 * <p><b>Layer:</b> client, on top of the public API.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.npy} (the bundles' parity samples as
 * inputs), {@code io.jinfer.spi} and {@code io.jinfer.mojo} (a backend session opened through the
 * public SPI, without {@code Model}'s checks, to take {@code MojoBench}'s per-row time apart); ONNX
 * Runtime, JPMML and h2o-genmodel directly, as the anchors.
 */
package io.jinfer.bench;
