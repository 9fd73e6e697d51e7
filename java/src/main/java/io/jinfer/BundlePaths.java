package io.jinfer;

/**
 * The one rule for names inside a bundle (zip entries, directory files, artifact paths): relative,
 * '/'-separated (a '\' counts as a separator too), no '..' segment, no drive letter, and no NUL or
 * other control character. {@code docs/bundle-format.md} states it; Python's {@code
 * jinfer._manifest.unsafe_path_reason} is the same rule.
 */
final class BundlePaths {
    private BundlePaths() {}

    static void requireSafe(String name, String where) {
        String reason = unsafeReason(name);
        if (reason != null) {
            throw new BundleException(
                    ErrorCode.UNSAFE_PATH,
                    where
                            + ": \""
                            + printable(name)
                            + "\" is "
                            + reason
                            + "; bundle entries must be relative paths inside the bundle");
        }
    }

    /** Why {@code name} may not name a bundle file, or null when it may. */
    static String unsafeReason(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return "a name with a control character (" + String.format("U+%04X", (int) c) + ")";
            }
        }
        String n = name.replace('\\', '/');
        boolean drive =
                n.length() > 1
                        && n.charAt(1) == ':'
                        && ((n.charAt(0) >= 'a' && n.charAt(0) <= 'z')
                                || (n.charAt(0) >= 'A' && n.charAt(0) <= 'Z'));
        if (n.startsWith("/") || drive) {
            return "an absolute path";
        }
        for (String seg : n.split("/", -1)) {
            if (seg.equals("..")) {
                return "a path with '..'";
            }
        }
        return null;
    }

    /** The name with control characters shown as \\uXXXX, so a message stays one readable line. */
    static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
