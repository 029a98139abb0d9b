package io.relay.pairing;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The two secrets of a pairing and the QR payload that carries one of them. (The pairing's third value,
 * its QR image handle, is no secret: it can fetch the image and nothing else.)
 *
 * <ul>
 *   <li>The <b>waiter token</b> (128 random bits, written like a UUID) goes only to the browser that
 *       asked for the QR; it is what {@code wait-pairing} needs.</li>
 *   <li>The <b>scan secret</b> (256 bits) is what the QR shows and the phone sends back. It is an HMAC
 *       of the waiter token, so a node can recompute it to render the QR again, yet neither secret
 *       can be derived from the other without the server key. Only its SHA-256 is stored, so a
 *       database dump does not let anyone pair.</li>
 * </ul>
 * The HMAC key is derived from the JWT secret with its own label, so the same bytes are never used
 * as a key for two purposes.
 */
public final class PairingSecrets {

    private static final String HMAC = "HmacSHA256";
    private static final byte[] KEY_LABEL = "relay pairing qr-secret key v1".getBytes(StandardCharsets.UTF_8);
    private static final Pattern WAITER_TOKEN = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** 32 bytes in unpadded base64url. */
    private static final Pattern SCAN_SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");
    /** A real qrData is under 100 characters; refuse to parse anything much larger. */
    private static final int MAX_QR_DATA_CHARS = 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec qrKey;

    public PairingSecrets(byte[] jwtSecret) {
        if (jwtSecret == null || jwtSecret.length == 0) {
            throw new IllegalArgumentException("the JWT secret is empty");
        }
        this.qrKey = new SecretKeySpec(hmac(new SecretKeySpec(jwtSecret, HMAC), KEY_LABEL), HMAC);
    }

    /** A new waiter token: 128 bits from {@link SecureRandom}, all random (no UUID version bits), UUID-formatted. */
    public static String newWaiterToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong()).toString();
    }

    /**
     * A new QR image handle: as random as a waiter token and shaped like one, but a value of its own, so
     * that the URL of the image (which proxies log and Referer headers carry) holds nothing that redeems.
     */
    public static String newImageId() {
        return newWaiterToken();
    }

    /** Whether {@code token} looks like a waiter token (lowercase 8-4-4-4-12 hex), before any lookup. */
    public static boolean isWaiterToken(Object token) {
        return token instanceof String s && WAITER_TOKEN.matcher(s).matches();
    }

    /** The secret the QR for {@code waiterToken} carries: base64url(HMAC-SHA256(qrKey, "qr:" + token)). */
    public String scanSecret(String waiterToken) {
        byte[] mac = hmac(qrKey, ("qr:" + waiterToken).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
    }

    /** What the database keeps instead of the scan secret. */
    public static byte[] hash(String scanSecret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(scanSecret.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The QR payload, shaped like the original's {@code JSON.stringify({token, timestamp, expiresIn})}
     * (same keys, same order, integers) so existing phones read it unchanged.
     */
    public static String qrData(String scanSecret, long timestampMs, long expiresInMs) {
        return new JsonObject()
                .put("token", scanSecret)
                .put("timestamp", timestampMs)
                .put("expiresIn", expiresInMs)
                .encode();
    }

    /**
     * The scan secret inside a scanned {@code qrData}; only the token is used, the timestamp the
     * original trusted is ignored (expiry lives in the database).
     *
     * @throws PairingException {@code INVALID_QR} when it is not a JSON object with a string token
     */
    public static String secretFromQrData(String qrData) {
        if (qrData == null || qrData.length() > MAX_QR_DATA_CHARS) {
            throw invalidQr();
        }
        Object token;
        try {
            token = new JsonObject(qrData).getValue("token");
        } catch (RuntimeException e) { // DecodeException, or a literal such as "null" or "[1]"
            throw invalidQr();
        }
        if (!(token instanceof String secret)) {
            throw invalidQr();
        }
        return secret;
    }

    /** Whether a scanned token has the shape of a scan secret (a waiter token, for one, does not). */
    public static boolean isScanSecret(String secret) {
        return SCAN_SECRET.matcher(secret).matches();
    }

    private static PairingException invalidQr() {
        return new PairingException(FailureReason.INVALID_QR, "Invalid QR code");
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }
}
