package io.jinfer.python;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * Loads Jep's classes from the jar of the Python environment whose {@code libjep.so} this JVM
 * loads, and jinfer's Jep host ({@code io.jinfer.python.jep}) beside them, so that the Java half of
 * Jep always matches its native half, whatever Jep jar (if any) the application's classpath has.
 *
 * <p>Child first for {@code jep.*} (from the environment's jar) and {@code io.jinfer.python.jep.*}
 * (defined here from the bytes jinfer's own class loader finds, so that the host's references to
 * Jep resolve here); everything else, jinfer's API among it, comes from the parent, so the host
 * implements the very {@link PythonRuntime} that {@link PythonBackend} sees.
 */
final class JepClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    /** The package of jinfer's Jep host, which names Jep's classes. */
    static final String HOST = "io.jinfer.python.jep.";

    private static final String JEP = "jep.";

    JepClassLoader(Path jepJar, ClassLoader parent) {
        super(new URL[] {url(jepJar)}, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(JEP) && !name.startsWith(HOST)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = name.startsWith(JEP) ? findClass(name) : defineHost(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = name.startsWith("jep/") ? findResource(name) : null;
        return own != null ? own : super.getResource(name);
    }

    private Class<?> defineHost(String name) throws ClassNotFoundException {
        String resource = name.replace('.', '/') + ".class";
        try (InputStream in = getParent().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ClassNotFoundException(name + ": no " + resource + " beside jinfer");
            }
            byte[] bytes = in.readAllBytes();
            return defineClass(
                    name, bytes, 0, bytes.length, JepClassLoader.class.getProtectionDomain());
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jar.toString(), e);
        }
    }
}
