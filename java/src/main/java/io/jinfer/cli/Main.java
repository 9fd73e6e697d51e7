package io.jinfer.cli;

import io.jinfer.BundleException;
import io.jinfer.InputException;
import io.jinfer.JinferException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Java command line, {@code build/install/jinfer/bin/jinfer}: {@code inspect}, {@code verify}
 * and {@code predict}, with the verbs, flags and exit codes of the Python CLI. Exit codes: 0 ok,
 * 1 verification failed, 2 bad usage or bad input (a corrupt bundle included). Errors are one line
 * on stderr; {@code --debug} adds the stack trace.
 */
@Command(name = "jinfer", mixinStandardHelpOptions = true, version = "jinfer 0.1.0",
    description = "Inspect, verify and run jinfer bundles on the JVM.",
    subcommands = {InspectCommand.class, VerifyCommand.class, PredictCommand.class})
public final class Main implements Runnable {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Option(names = "--debug", description = "Show stack traces.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a verb is required: inspect, verify or predict");
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the CLI with the given streams and returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("jinfer: error: " + ex.getMessage());
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean debug = main.debug || parseResult.hasMatchedOption("--debug")
                || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--debug"));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.println("jinfer: error: " + message(ex));
            return exitCode(ex);
        });
        return cli.execute(args);
    }

    static int exitCode(Exception ex) {
        if (ex instanceof BundleException || ex instanceof InputException || ex instanceof IOException
            || ex instanceof UncheckedIOException || ex instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (ex instanceof JinferException) {
            return USAGE;
        }
        return FAILED;
    }

    private static String message(Exception ex) {
        String m = ex.getMessage();
        return (m == null ? ex.getClass().getSimpleName() : m).replace('\n', ' ');
    }
}
