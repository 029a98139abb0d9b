package io.relay.security;

import java.util.List;

/**
 * Which browser origins may open a Socket.IO connection: the exact origins of {@code CORS_ORIGIN},
 * any when it holds {@code *}. A request without an {@code Origin} header is not a browser's
 * cross-site request (the Android app and other native clients send none) and is allowed; a
 * browser cannot omit the header on a WebSocket handshake, so a foreign page cannot hide behind that.
 */
public final class OriginPolicy {
    private final List<String> allowed;
    private final boolean any;

    public OriginPolicy(List<String> allowed) {
        this.allowed = List.copyOf(allowed);
        this.any = allowed.contains("*");
    }

    public boolean allows(String origin) {
        return origin == null || any || allowed.contains(origin);
    }
}
