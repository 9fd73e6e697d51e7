package io.jinfer.spi;

/** What a {@link Backend} asks to know whether its runtime is present, without loading it. */
public final class Classpath {
    private Classpath() {}

    /**
     * Whether every named class can be found by {@code owner}'s class loader (none is initialized).
     */
    public static boolean has(Class<?> owner, String... classNames) {
        try {
            for (String name : classNames) {
                Class.forName(name, false, owner.getClassLoader());
            }
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
