/**
 * The {@code onnx} backend: ONNX Runtime Java behind a manifest's canonical names, with no copy of
 * the inputs and pinned outputs.
 *
 * <p><b>Layer:</b> backend. Found through the SPI's service file; nothing imports it.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.spi}; ONNX Runtime ({@code
 * ai.onnxruntime}, only from classes that load after {@link io.jinfer.onnx.OnnxBackend} found it),
 * Jackson, and protobuf ({@code com.google.protobuf}, to find external data before the runtime
 * loads a model).
 */
package io.jinfer.onnx;
