package io.relay.pairing;

/**
 * A fresh pairing as the browser receives it: the waiter {@code token} only the browser knows (for
 * {@code wait-pairing}; it travels only in JSON bodies), the {@code imageId} its QR image is fetched by
 * (safe in a URL: it redeems nothing), and the {@code qrData} string it renders, which carries a
 * third, different secret.
 */
public record GeneratedQr(String token, String imageId, String qrData, long expiresInMs) {
}
