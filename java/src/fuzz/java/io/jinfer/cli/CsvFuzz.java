package io.jinfer.cli;

import io.jinfer.DType;
import io.jinfer.TensorSpec;
import io.jinfer.fuzz.Fuzz;

import java.nio.file.Path;
import java.util.List;

/**
 * The CLI's CSV reader: the bytes parsed as a table, then turned into the inputs of four kinds of
 * model (one 2-D float input, named columns, one input per column of mixed types, booleans).
 */
public final class CsvFuzz {
    private static final Path FILE = Path.of("fuzz.csv");
    private static final List<List<TensorSpec>> MODELS =
            List.of(
                    List.of(new TensorSpec("features", DType.FLOAT32, new long[] {-1, 2}, null)),
                    List.of(
                            new TensorSpec(
                                    "features",
                                    DType.INT64,
                                    new long[] {-1, 3},
                                    List.of("x", "y", "z"))),
                    List.of(
                            new TensorSpec("a", DType.FLOAT64, new long[] {-1}, null),
                            new TensorSpec("b", DType.STRING, new long[] {-1, 1}, null),
                            new TensorSpec("c", DType.INT8, new long[] {-1}, null),
                            new TensorSpec("d", DType.UINT8, new long[] {-1, 1}, null)),
                    List.of(new TensorSpec("e", DType.BOOL, new long[] {-1}, null)));

    private CsvFuzz() {}

    /**
     * Jazzer calls this once before it times inputs: the classes the reader needs are loaded (and
     * instrumented) here, not within the first input's time box.
     */
    public static void fuzzerInitialize() {
        Fuzz.warmUp();
        fuzzerTestOneInput(new byte[0]);
    }

    /** Jazzer's entry point. */
    public static void fuzzerTestOneInput(byte[] data) {
        Fuzz.allowed(
                () -> {
                    Csv.Table table = Csv.parse(data, "fuzz.csv");
                    for (List<TensorSpec> specs : MODELS) {
                        Fuzz.allowed(() -> CsvInputs.of(FILE, table, specs));
                    }
                });
    }
}
