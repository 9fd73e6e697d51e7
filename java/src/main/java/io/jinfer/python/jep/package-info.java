/**
 * The python backend's host in a plain JVM: CPython embedded through Jep ({@link
 * io.jinfer.python.jep.JepRuntime}), for python artifacts when no Python process hosts the JVM.
 *
 * <p>Its classes name Jep's, and Jep's jar must match the {@code libjep.so} of the Python it
 * embeds, so they are never loaded by jinfer's own class loader: {@code io.jinfer.python} defines
 * them in a class loader that takes Jep's classes from that Python's {@code site-packages/jep}. The
 * jinfer jar does not depend on Jep; {@code pip install 'jinfer[jep]'} brings it.
 *
 * <p><b>Layer:</b> backend, the Jep half of {@code io.jinfer.python}, which reaches it only by
 * name, through that class loader.
 *
 * <p><b>May import:</b> {@code io.jinfer}, {@code io.jinfer.python}, {@code io.jinfer.wire}; Jep.
 */
package io.jinfer.python.jep;
