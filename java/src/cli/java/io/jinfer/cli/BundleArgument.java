package io.jinfer.cli;

import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** The {@code BUNDLE} argument every verb takes first (a picocli mixin). */
final class BundleArgument {
    @Parameters(
            index = "0",
            paramLabel = "BUNDLE",
            description = "A .jinfer zip or a bundle directory.")
    Path path;
}
