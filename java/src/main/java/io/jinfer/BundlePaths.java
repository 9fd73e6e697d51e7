package io.jinfer;

/** The one rule for names inside a bundle: relative, '/'-separated, no '..' segment. */
final class BundlePaths {
    private BundlePaths() {}

    static void requireSafe(String name, String where) {
        String n = name.replace('\\', '/');
        boolean absolute = n.startsWith("/") || (n.length() > 1 && n.charAt(1) == ':');
        boolean dotDot = false;
        for (String seg : n.split("/")) {
            if (seg.equals("..")) {
                dotDot = true;
            }
        }
        if (absolute || dotDot) {
            throw new BundleException(
                    ErrorCode.UNSAFE_PATH,
                    where
                            + ": \""
                            + name
                            + "\" is "
                            + (absolute ? "an absolute path" : "a path with '..'")
                            + "; bundle entries must be relative paths inside the bundle");
        }
    }
}
