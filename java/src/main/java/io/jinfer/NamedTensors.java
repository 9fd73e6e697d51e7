package io.jinfer;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An unmodifiable map of tensors over two arrays, iterated in their order: the checked inputs in
 * spec order, without a hash table built for every call. A model has a few inputs, so a lookup
 * compares names one by one (by reference first: callers mostly pass the specs' own names).
 */
final class NamedTensors extends AbstractMap<String, Tensor> {
    private final String[] names;
    private final Tensor[] tensors;

    /** Over {@code names} and {@code tensors}, which the caller no longer changes. */
    NamedTensors(String[] names, Tensor[] tensors) {
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
