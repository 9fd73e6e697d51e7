package io.jinfer.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import org.junit.Test;

/**
 * {@link PythonCollections} outside a JPype JVM. Inside one (tests/jvm/test_lifecycle.py) it bounds
 * JPype's link; here there is no JPype queue to take over, so it leaves everything as it is.
 */
public class PythonCollectionsTest {
    @Test
    public void withoutJPypeNothingIsInstalledAndNothingRuns() {
        int[] ran = {0};
        assertFalse(PythonCollections.install(() -> ran[0]++, 1000, 100));
        System.gc();
        assertEquals(0, ran[0]);
        assertEquals(0, PythonCollections.collections());
    }
}
