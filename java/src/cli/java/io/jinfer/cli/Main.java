package io.jinfer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The Java command line, {@code build/install/jinfer/bin/jinfer}, with the verbs, flags and exit
 * codes of the Python CLI ({@code jinfer._cli}).
 *
 * <pre>
 * jinfer inspect BUNDLE [--json]
 * jinfer verify BUNDLE [--backend NAME]
 * jinfer predict BUNDLE --input FILE [--output FILE] [--backend NAME]
 * jinfer bench BUNDLE [--batch 1,64,1024] [--threads N] [--backend NAME]
 * </pre>
 *
 * <p>Exit codes: {@value #OK} ok, {@value #FAILED} verification failed, {@value #USAGE} bad usage
 * or bad input (a corrupt bundle, a missing file, an input the model refuses). Errors are one line
 * on stderr, {@code jinfer: error: <message>}; {@code --debug} adds the stack trace. Tests and
 * embedders call {@link #run(PrintStream, PrintStream, String...)}, which never exits the JVM.
 */
@Command(
        name = "jinfer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Inspect, verify and run jinfer bundles on the JVM.",
        subcommands = {
            InspectCommand.class,
            VerifyCommand.class,
            PredictCommand.class,
            BenchCommand.class
        })
public final class Main implements Runnable {
    /** Exit code: success. */
    public static final int OK = 0;

    /** Exit code: verification failed (an artifact's outputs differ from the recorded ones). */
    public static final int FAILED = 1;

    /** Exit code: bad usage or bad input, a corrupt bundle included. */
    public static final int USAGE = 2;

    @Option(
            names = "--debug",
            description = "Show stack traces of errors.",
            scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    /** Where progress goes: the error stream, and only when a person is at a console. */
    Progress.Sink progress = Progress.Sink.NONE;

    private Main() {}

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                new CommandLine(this), "a verb is required: inspect, verify, predict or bench");
    }

    /** Runs the CLI on the process's streams and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the CLI on the process's streams and returns the exit code. */
    public static int run(String... args) {
        return run(System.out, System.err, args);
    }

    /**
     * Runs the CLI with the given streams and returns the exit code; never exits the JVM. Progress
     * is drawn on {@code err} only when {@link System#console()} is not null.
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        Main main = new Main();
        main.progress = System.console() != null ? new Progress.Sink(err) : Progress.Sink.NONE;
        CommandLine cli = new CommandLine(main);
        PrintWriter outWriter =
                new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter =
                new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        cli.setOut(outWriter);
        cli.setErr(errWriter);
        cli.setParameterExceptionHandler(
                (ex, a) -> {
                    String hint =
                            ex.getCommandLine() == null
                                    ? "jinfer"
                                    : ex.getCommandLine().getCommandSpec().qualifiedName();
                    errWriter.println(
                            "jinfer: error: "
                                    + Errors.oneLine(ex.getMessage())
                                    + " (see '"
                                    + hint
                                    + " --help')");
                    errWriter.flush();
                    return USAGE;
                });
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    if (debugRequested(parseResult)) {
                        errWriter.flush();
                        ex.printStackTrace(err);
                        err.flush();
                    }
                    errWriter.println("jinfer: error: " + Errors.message(ex));
                    errWriter.flush();
                    return Errors.exitCode(ex);
                });
        try {
            return execute(cli, err, errWriter, args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    /**
     * Runs {@code cli} with the last-resort handler: an {@link Error} that escapes picocli (a
     * {@link StackOverflowError}, an {@link OutOfMemoryError}) is one line on {@code errWriter} and
     * exit code {@link #FAILED}, like any other defect; {@code --debug} adds the stack trace.
     */
    static int execute(CommandLine cli, PrintStream err, PrintWriter errWriter, String... args) {
        try {
            return cli.execute(args);
        } catch (Throwable t) { // the last resort: nothing but a line may reach the user
            if (java.util.Arrays.asList(args).contains("--debug")) {
                errWriter.flush();
                t.printStackTrace(err);
                err.flush();
            }
            errWriter.println("jinfer: error: " + Errors.message(t));
            errWriter.flush();
            return FAILED;
        }
    }

    private static boolean debugRequested(CommandLine.ParseResult r) {
        for (CommandLine.ParseResult p = r; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** The version line of {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        /**
         * jinfer's version: the repository's VERSION file, which the build writes as a resource.
         */
        static String version() {
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.txt")) {
                return in == null
                        ? "unknown"
                        : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                                .trim();
            } catch (java.io.IOException e) {
                return "unknown";
            }
        }

        @Override
        public String[] getVersion() {
            return new String[] {
                "jinfer " + version() + " (Java " + System.getProperty("java.version") + ")"
            };
        }
    }
}
