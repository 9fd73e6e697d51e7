package io.jinfer.cli;

import io.jinfer.LoadOptions;

import picocli.CommandLine.Option;

/**
 * {@code --warmup N}: the warm-up at load ({@link LoadOptions.Builder#warmup(int)}). {@code bench}
 * warms up by default, as {@code Models.load} does; {@code predict} runs once and exits, so a
 * warm-up would only delay its answer, and it makes none unless asked.
 */
final class WarmupOption {
    @Option(
            names = "--warmup",
            paramLabel = "N",
            description =
                    "Predictions on the bundle's parity sample at load, so that the first calls"
                            + " run at full speed (default: "
                            + LoadOptions.DEFAULT_WARMUP
                            + " for bench, 0 for predict, which runs once).")
    Integer calls;

    /** The number of warm-up calls: as given, or {@code byDefault}. */
    int calls(int byDefault) {
        if (calls == null) {
            return byDefault;
        }
        if (calls < 0) {
            throw new IllegalArgumentException("--warmup: expected 0 or more calls, got " + calls);
        }
        return calls;
    }
}
