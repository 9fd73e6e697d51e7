/**
 * jinfer's Java API: load a bundle ({@link io.jinfer.Models}), predict ({@link io.jinfer.Model}),
 * and the types both speak: {@link io.jinfer.Tensor}, {@link io.jinfer.DType}, {@link
 * io.jinfer.TensorSpec}, {@link io.jinfer.Manifest}, {@link io.jinfer.Bundle}, {@link
 * io.jinfer.LoadOptions}, and the exceptions under {@link io.jinfer.JinferException}.
 *
 * <p><b>Layer:</b> core, the bottom layer, together with {@link io.jinfer.spi}: this package
 * defines the types the SPI names, and {@link io.jinfer.Models} finds backends through the SPI. It
 * knows nothing of ONNX, PMML, Python or file formats other than the bundle's (manifest.json, and
 * the parity sample's {@code .npz}, which {@link io.jinfer.Models} reads for the warm-up).
 *
 * <p><b>May import:</b> {@code io.jinfer.spi}, {@code io.jinfer.npy}; Jackson (the manifest is
 * JSON).
 */
package io.jinfer;
