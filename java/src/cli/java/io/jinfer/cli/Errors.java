package io.jinfer.cli;

import io.jinfer.JinferException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.ExecutionException;

/** How the CLI turns an exception into one line of text and an exit code. */
final class Errors {
    private Errors() {}

    /**
     * {@link Main#USAGE} for the caller's mistakes: bundle, input and backend errors, file errors,
     * bad file content ({@link IllegalArgumentException}); {@link Main#FAILED} for anything else,
     * which is a defect of jinfer (run with {@code --debug} and report it).
     */
    static int exitCode(Throwable ex) {
        Throwable e = unwrap(ex);
        if (e instanceof JinferException
                || e instanceof IOException
                || e instanceof IllegalArgumentException) {
            return Main.USAGE;
        }
        return Main.FAILED;
    }

    /** The exception as one readable line. */
    static String message(Throwable ex) {
        Throwable e = unwrap(ex);
        if (e instanceof FileSystemException) {
            return fileMessage((FileSystemException) e);
        }
        String m = e.getMessage();
        if (e instanceof JinferException || e instanceof IllegalArgumentException) {
            return oneLine(m == null ? e.getClass().getSimpleName() : m);
        }
        if (e instanceof IOException) {
            return oneLine("I/O error: " + (m == null ? e.getClass().getSimpleName() : m));
        }
        return oneLine(
                "internal error: "
                        + e.getClass().getName()
                        + (m == null ? "" : ": " + m)
                        + " (run with --debug for the stack trace, and please report it)");
    }

    private static String fileMessage(FileSystemException e) {
        String file = e.getFile();
        String other = e.getOtherFile() == null ? "" : " -> " + e.getOtherFile();
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + file + other;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + file + other;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "file already exists: " + file + other;
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory: " + file;
        }
        return oneLine(
                "cannot access "
                        + file
                        + other
                        + (e.getReason() == null ? "" : ": " + e.getReason()));
    }

    private static Throwable unwrap(Throwable ex) {
        Throwable e = ex;
        // bench's threads hand their errors back wrapped in ExecutionException
        while ((e instanceof UncheckedIOException || e instanceof ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Newlines and runs of spaces folded into single spaces. */
    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
