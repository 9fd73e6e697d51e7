package io.jinfer.spi;

import io.jinfer.Manifest;

/** A live object opened by {@link Backend#openLive}: its manifest (specs) and its session. */
public final class LiveModel {
    private final Manifest manifest;
    private final BackendSession session;

    public LiveModel(Manifest manifest, BackendSession session) {
        this.manifest = manifest;
        this.session = session;
    }

    public Manifest manifest() {
        return manifest;
    }

    public BackendSession session() {
        return session;
    }
}
