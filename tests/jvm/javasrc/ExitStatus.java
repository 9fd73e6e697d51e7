/**
 * For the run-java exit-status tests: {@code ok ARGS...} prints and returns, {@code exit N} calls
 * {@code System.exit(N)}, {@code throw} lets an exception escape {@code main}.
 */
public final class ExitStatus {
    private ExitStatus() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "ok":
                System.out.println("ran with " + String.join(" ", args));
                return;
            case "exit":
                System.out.println("exiting with " + args[1]);
                System.exit(Integer.parseInt(args[1]));
                return;
            case "throw":
                fail("boom from Java");
                return;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void fail(String message) {
        throw new IllegalStateException(message);
    }
}
