package io.jinfer.spark;

import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The models of this JVM: one {@link Model} per bundle content (its sha256) and load options,
 * shared by every task and every job that scores that bundle here. A {@code Model} is thread-safe,
 * so the tasks running at once on an executor's cores share it. Models stay loaded for the life of
 * the JVM, or until {@link JinferSpark#clearModelCache()}.
 */
final class ModelCache {
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
    private static final AtomicLong LOADS = new AtomicLong();

    private ModelCache() {}

    /**
     * How a model is loaded in the executors.
     *
     * @param backend the backend to use, or null for the bundle's first usable one
     * @param intraOpThreads threads per predict call; 1 by default, because Spark already runs a
     *     task per core
     */
    record Options(String backend, int intraOpThreads) implements Serializable {
        private static final long serialVersionUID = 1L;

        LoadOptions loadOptions() {
            return LoadOptions.builder().backend(backend).intraOpThreads(intraOpThreads).build();
        }
    }

    /** The model of {@code bundle} with {@code options}, loaded on the first call in this JVM. */
    static Model get(BundleRef bundle, Options options) {
        String key = bundle.sha256() + "|" + options.backend() + "|" + options.intraOpThreads();
        Model model = MODELS.get(key);
        if (model != null) {
            return model;
        }
        synchronized (ModelCache.class) { // two tasks starting together load it once
            return MODELS.computeIfAbsent(
                    key,
                    k -> {
                        LOADS.incrementAndGet();
                        return Models.load(bundle.localPath(), options.loadOptions());
                    });
        }
    }

    static long loads() {
        return LOADS.get();
    }

    static int size() {
        return MODELS.size();
    }

    static synchronized void clear() {
        for (Model m : MODELS.values()) {
            m.close();
        }
        MODELS.clear();
    }
}
