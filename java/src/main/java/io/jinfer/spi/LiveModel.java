package io.jinfer.spi;

import io.jinfer.Manifest;

/**
 * A live object opened by {@link Backend#openLive}: its manifest (specs) and its session.
 *
 * @param manifest the object's specs, as a bundle's manifest would give them
 * @param session the session that runs it
 */
public record LiveModel(Manifest manifest, BackendSession session) {}
