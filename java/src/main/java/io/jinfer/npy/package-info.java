/**
 * numpy's {@code .npy} and {@code .npz} files ({@link io.jinfer.npy.Npy}, {@link
 * io.jinfer.npy.Npz}), jinfer's on-disk form of tensors, and the parity sample a bundle keeps in
 * them ({@link io.jinfer.npy.ParitySample}).
 *
 * <p><b>Layer:</b> core, with {@link io.jinfer} (the parity sample is part of the bundle format,
 * and {@link io.jinfer.Models} reads it to warm a model up at load). The CLI and users read and
 * write files with it; no backend needs it.
 *
 * <p><b>May import:</b> {@code io.jinfer}.
 */
package io.jinfer.npy;
