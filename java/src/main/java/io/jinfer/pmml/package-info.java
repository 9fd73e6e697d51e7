/**
 * The {@code pmml} backend: JPMML-Evaluator behind a manifest's canonical names, a batch evaluated
 * row by row inside Java.
 *
 * <p><b>Layer:</b> backend. Found through the SPI's service file; nothing imports it.
 * JPMML-Evaluator is an optional dependency (AGPL): only classes that load after {@link
 * io.jinfer.pmml.PmmlBackend} found it name its types.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.spi}; JPMML ({@code org.jpmml}) and the
 * JDK's XML parser.
 */
package io.jinfer.pmml;
