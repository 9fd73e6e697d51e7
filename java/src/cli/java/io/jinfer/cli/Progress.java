package io.jinfer.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, {@code verify onnx [#####.....] 5000/10000 rows}. It is drawn
 * only when a person is watching ({@link System#console()} is not null), so pipes, logs and tests
 * see nothing of it.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final String label;
    private final long total;
    private long done;
    private long lastDraw;

    private Progress(PrintStream err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /**
     * Where bars are drawn, or {@link #NONE}.
     *
     * @param err the console's error stream; null draws nothing
     */
    record Sink(PrintStream err) {
        static final Sink NONE = new Sink(null);

        Progress start(String label, long total) {
            return new Progress(err, label, total);
        }
    }

    /** Counts {@code n} more units done and redraws, at most ten times a second. */
    void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (err != null && (done >= total || now - lastDraw > REDRAW_NANOS)) {
            lastDraw = now;
            int filled = (int) (WIDTH * Math.min(done, total) / total);
            err.print(
                    "\r"
                            + label
                            + " ["
                            + "#".repeat(filled)
                            + ".".repeat(WIDTH - filled)
                            + "] "
                            + done
                            + "/"
                            + total
                            + " rows");
            err.flush();
        }
    }

    /** Clears the bar's line. */
    void done() {
        if (err != null) {
            err.print("\r" + " ".repeat(label.length() + WIDTH + 40) + "\r");
            err.flush();
        }
    }
}
