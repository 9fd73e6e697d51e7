/**
 * jinfer's Java API: load a bundle ({@link io.jinfer.Models}), predict ({@link io.jinfer.Model}),
 * and the types both speak: {@link io.jinfer.Tensor}, {@link io.jinfer.DType}, {@link
 * io.jinfer.TensorSpec}, {@link io.jinfer.Manifest}, {@link io.jinfer.Bundle}, {@link
 * io.jinfer.LoadOptions}, and the exceptions under {@link io.jinfer.JinferException}.
 *
 * <p><b>Layer:</b> core, the bottom layer, together with {@link io.jinfer.spi}: this package
 * defines the types the SPI names, and {@link io.jinfer.Models} finds backends through the SPI. It
 * knows nothing of ONNX, PMML, Python or file formats other than the bundle's.
 *
 * <p><b>May import:</b> {@code io.jinfer.spi}; Jackson (the manifest is JSON).
 */
package io.jinfer;
