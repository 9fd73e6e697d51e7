package io.jinfer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * What every verb is: a command on one bundle (the {@code BUNDLE} argument, first), with {@code
 * --help} and {@code --version}, that prints to the command line's output stream and returns an
 * exit code. Picocli reads the annotations of this class as the subclass's own.
 */
@Command(mixinStandardHelpOptions = true)
abstract class Verb implements Callable<Integer> {
    @Mixin BundleArgument bundle;

    @Spec CommandSpec spec;

    /** Where the verb prints its results: the command line's output, which tests replace. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
