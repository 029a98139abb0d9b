package io.relay.pairing;

import java.time.Instant;

/** What a verified session token says: which phone it pairs with, which session row backs it, until when. */
public record SessionClaims(String deviceId, String sessionId, Instant expiresAt) {
}
