/**
 * The Java side of the benchmark harness ({@code bench/run.py}): jinfer's Java API timed against
 * raw ONNX Runtime Java and raw JPMML, side by side in one run. Never part of the jar.
 *
 * <p><b>Layer:</b> client, on top of the public API.
 *
 * <p><b>May import:</b> {@code io.jinfer}; ONNX Runtime and JPMML directly, as the anchors.
 */
package io.jinfer.bench;
