package io.jinfer.cli;

/** A one-line progress bar on stderr, drawn only when a person is watching (a console). */
final class Progress {
    private final String label;
    private final long total;
    private final boolean visible = System.console() != null;
    private long done;

    Progress(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
    }

    void step() {
        done++;
        if (visible) {
            int width = 30;
            int filled = (int) (width * done / total);
            System.err.printf("\r%s [%s%s] %d/%d", label, "#".repeat(filled), " ".repeat(width - filled), done, total);
        }
    }

    void done() {
        if (visible) {
            System.err.println();
        }
    }
}
