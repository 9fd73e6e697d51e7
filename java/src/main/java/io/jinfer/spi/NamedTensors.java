package io.jinfer.spi;

import io.jinfer.Tensor;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An unmodifiable map of tensors over two arrays, iterated in their order, without a hash table
 * built for every call: the checked inputs {@link io.jinfer.Model} hands a backend, in spec order,
 * the outputs it returns to its caller, and what a backend may return its outputs as. A model has a
 * few inputs and outputs, so a lookup compares names one by one, by reference first (spec names are
 * interned, and callers mostly pass them or literals), then by value.
 *
 * <p>Why a backend should return one: {@code Map.of} with two or more entries finds a key by a
 * modulo (an integer division), and a {@code LinkedHashMap} allocates a table and a node per entry;
 * at batch 1 on a cheap model either cost a measurable share of the call (docs/decisions.md, "The
 * outputs map").
 */
public final class NamedTensors extends AbstractMap<String, Tensor> {
    private final String[] names;
    private final Tensor[] tensors;

    /**
     * A map over {@code names} and {@code tensors}, which become the map's: the caller must not
     * change either array afterwards.
     *
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public NamedTensors(String[] names, Tensor[] tensors) {
        if (names.length != tensors.length) {
            throw new IllegalArgumentException(
                    names.length + " names but " + tensors.length + " tensors");
        }
        this.names = names;
        this.tensors = tensors;
    }

    private int indexOf(Object name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i] == name) {
                return i;
            }
        }
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Tensor get(Object name) {
        int i = indexOf(name);
        return i < 0 ? null : tensors[i];
    }

    @Override
    public boolean containsKey(Object name) {
        return indexOf(name) >= 0;
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public Set<Entry<String, Tensor>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return names.length;
            }

            @Override
            public Iterator<Entry<String, Tensor>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < names.length;
                    }

                    @Override
                    public Entry<String, Tensor> next() {
                        if (next >= names.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(names[i], tensors[i]);
                    }
                };
            }
        };
    }
}
