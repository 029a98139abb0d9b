package io.relay.pairing;

import java.time.Instant;

/**
 * The result of a good scan: the new session, the phone it belongs to, and the waiter token of the
 * browser that showed the QR (the gateway may use it to tell that browser; never send it to the phone).
 */
public record PairedSession(String sessionId, String deviceId, Instant expiresAt, String waiterToken) {
}
