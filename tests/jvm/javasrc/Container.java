import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;

/**
 * A servlet container's class loaders, without a container: jinfer's jars and an application's
 * classes in a class loader of their own (a webapp's, child of the platform class loader, so that
 * nothing of jinfer is on the JVM's classpath), and the application's {@code main} on a thread of
 * the container's whose context class loader is the webapp's.
 *
 * <pre>
 * Container N CLASSPATH MAIN ARGS...   runs MAIN ARGS in N such webapps, one after another
 * </pre>
 */
public final class Container {
    private Container() {}

    public static void main(String[] args) throws Exception {
        int webapps = Integer.parseInt(args[0]);
        URL[] classpath =
                Arrays.stream(args[1].split(File.pathSeparator))
                        .map(Container::url)
                        .toArray(URL[]::new);
        String[] rest = Arrays.copyOfRange(args, 3, args.length);
        for (int i = 0; i < webapps; i++) {
            URLClassLoader webapp =
                    new URLClassLoader(
                            "webapp-" + i, classpath, ClassLoader.getPlatformClassLoader());
            Method main = webapp.loadClass(args[2]).getMethod("main", String[].class);
            Thread request = new Thread(() -> run(main, rest), "request-" + i);
            request.setContextClassLoader(webapp);
            System.out.println("webapp " + i);
            System.out.flush();
            request.start();
            request.join();
        }
    }

    private static void run(Method main, String[] args) {
        try {
            main.invoke(null, (Object) args);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }

    private static URL url(String path) {
        try {
            return new File(path).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path, e);
        }
    }
}
