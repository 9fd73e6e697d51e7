package io.jinfer.cli;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/**
 * {@code jinfer bench}'s durations: the rule of the Python CLI ({@code jinfer._bench.duration}).
 */
public class BenchCommandTest {
    @Test
    public void durationHasThreeSignificantDigitsBelowAThousandOfItsUnit() {
        long[] nanos = {0, 850, 12_345, 999_700, 4_561_200, 200_000_000, 1_200_000_000L};
        String[] shown = {"0 ns", "850 ns", "12.3 µs", "1 ms", "4.56 ms", "200 ms", "1.2 s"};
        for (int i = 0; i < nanos.length; i++) {
            assertEquals(shown[i], BenchCommand.duration(nanos[i]));
        }
        assertEquals("1230 s", BenchCommand.duration(1_234_500_000_000L));
    }
}
