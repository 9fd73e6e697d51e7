package io.jinfer.spi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.Tensor;

import org.junit.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The map Model hands backends and callers: spec order, lookups by any equal name, unmodifiable.
 */
public class NamedTensorsTest {
    private final Tensor a = Tensor.of(new float[] {1f});
    private final Tensor b = Tensor.of(new String[] {"x"});
    private final Map<String, Tensor> map =
            new NamedTensors(new String[] {"zeta", "alpha"}, new Tensor[] {a, b});

    @Test
    public void iteratesInTheOrderItWasGiven() {
        assertEquals(List.of("zeta", "alpha"), List.copyOf(map.keySet()));
        assertEquals(List.of(a, b), List.copyOf(map.values()));
    }

    @Test
    public void findsANameByValueNotOnlyByReference() {
        String zeta = new String("zeta");
        assertSame(a, map.get(zeta));
        assertTrue(map.containsKey(new String("alpha")));
        assertNull(map.get("beta"));
        assertFalse(map.containsKey(null));
    }

    @Test
    public void equalsTheLinkedHashMapOfTheSameEntries() {
        Map<String, Tensor> same = new LinkedHashMap<>();
        same.put("zeta", a);
        same.put("alpha", b);
        assertEquals(same, map);
        assertEquals(same.hashCode(), map.hashCode());
    }

    @Test
    public void refusesChanges() {
        assertThrows(UnsupportedOperationException.class, () -> map.put("beta", a));
        assertThrows(UnsupportedOperationException.class, () -> map.remove("zeta"));
        assertThrows(UnsupportedOperationException.class, () -> map.entrySet().clear());
        assertEquals(2, map.size());
    }

    @Test
    public void refusesArraysOfDifferentLengths() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new NamedTensors(new String[] {"a"}, new Tensor[0]));
    }
}
