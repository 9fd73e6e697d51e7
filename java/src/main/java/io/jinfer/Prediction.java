package io.jinfer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outputs of one {@link Model#run} call, in buffers the model reuses: close it when done, and
 * the next call writes into the same memory instead of new memory the collector must free.
 *
 * <pre>{@code
 * try (Prediction p = model.run(Map.of("features", x))) {
 *     long[] labels = p.get("label").toLongArray();     // copies out: valid after close
 * }
 * }</pre>
 *
 * <p>The rule is ONNX Runtime's for its {@code Result}: the tensors are readable until {@link
 * #close()}; after it, every read of them ({@code toXxx}, {@code getDouble}, {@code buffer}...)
 * throws {@link IllegalStateException}, and a {@link Tensor#buffer()} view taken before holds
 * another call's bytes. Copy out what must outlive the block, or use {@link Model#predict}, whose
 * outputs live as long as they are held. One prediction is meant for one thread; different
 * predictions, from any number of threads, never share a buffer. A prediction that is dropped
 * without {@code close()} is harmless: its buffers go to the collector instead of back to the pool.
 */
public final class Prediction implements AutoCloseable {
    private final Map<String, Tensor> outputs;
    private final OutputPool.Lease lease;

    Prediction(Map<String, Tensor> outputs, OutputPool.Lease lease) {
        Map<String, Tensor> leased = new LinkedHashMap<>(2 * outputs.size());
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            leased.put(e.getKey(), e.getValue().leased(lease));
        }
        this.outputs = Collections.unmodifiableMap(leased);
        this.lease = lease;
    }

    /** The canonical outputs by name, in spec order, as {@link Model#predict} returns them. */
    public Map<String, Tensor> outputs() {
        return outputs;
    }

    /**
     * One output.
     *
     * @throws IllegalArgumentException if the model has no output of that name
     */
    public Tensor get(String name) {
        Tensor t = outputs.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    "no output '" + name + "'; the model's outputs are " + outputs.keySet());
        }
        return t;
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return lease.isReleased();
    }

    /** Gives the buffers back to the model for its next call. Idempotent. */
    @Override
    public void close() {
        lease.release();
    }

    @Override
    public String toString() {
        return "Prediction(" + outputs.values() + (isClosed() ? ", closed)" : ")");
    }
}
