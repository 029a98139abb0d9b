package io.relay.pairing;

/**
 * A fresh pairing as the browser receives it: the waiter {@code token} only the browser knows (for
 * {@code wait-pairing}), and the {@code qrData} string it renders, which carries a different secret.
 */
public record GeneratedQr(String token, String qrData, long expiresInMs) {
}
