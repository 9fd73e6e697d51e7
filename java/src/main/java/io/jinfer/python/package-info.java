/**
 * The {@code python} backend: Java calling the real Python model in-process. When a CPython process
 * hosts this JVM, through the {@link io.jinfer.python.PythonRuntime} that jinfer's Python package
 * installs there (JPype); in a plain JVM, through CPython embedded with Jep ({@code
 * io.jinfer.python.jep}, which {@link io.jinfer.python.PythonLocation} finds and {@code
 * JepClassLoader} loads). (The other direction, Python calling Java, is {@link io.jinfer.bridge}.)
 *
 * <p><b>Layer:</b> backend. Found through the SPI's service file; nothing imports it, except that
 * jinfer's Python package implements its interfaces and throws its {@link
 * io.jinfer.python.PythonException}.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.spi}, {@code io.jinfer.wire}; Jackson.
 */
package io.jinfer.python;
