package io.relay.pairing;

import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Pairing tokens, QR secrets and qrData")
class PairingSecretsTest {

    private final byte[] jwtSecret = TestConfigs.SECRET.getBytes(StandardCharsets.UTF_8);
    private final PairingSecrets secrets = new PairingSecrets(jwtSecret);

    @Test
    @DisplayName("a waiter token is UUID-shaped, lowercase, and all 128 of its bits are random (no version bits)")
    void waiterTokenShapeAndRandomness() {
        int samples = 2000;
        Set<String> seen = new HashSet<>();
        int versionNibbleNot4 = 0;
        int[] ones = new int[128];
        for (int i = 0; i < samples; i++) {
            String token = PairingSecrets.newWaiterToken();
            assertThat(token).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(PairingSecrets.isWaiterToken(token)).isTrue();
            seen.add(token);
            if (token.charAt(14) != '4') {
                versionNibbleNot4++;
            }
            UUID u = UUID.fromString(token);
            for (int bit = 0; bit < 64; bit++) {
                ones[bit] += (int) ((u.getMostSignificantBits() >>> bit) & 1);
                ones[64 + bit] += (int) ((u.getLeastSignificantBits() >>> bit) & 1);
            }
        }
        assertThat(seen).hasSize(samples);
        assertThat(versionNibbleNot4).as("a v4 UUID would always have '4' here").isGreaterThan(samples / 2);
        for (int bit = 0; bit < 128; bit++) {
            // Every bit, including UUID version/variant positions, is set about half the time.
            assertThat(ones[bit]).as("bit %d", bit).isBetween(samples / 2 - 200, samples / 2 + 200);
        }
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "not-a-token", "6F9619FF-8B86-D011-B42D-00C04FC964FF", "6f9619ff8b86d011b42d00c04fc964ff",
            "6f9619ff-8b86-d011-b42d-00c04fc964ff ", "{\"token\":\"x\"}"})
    @DisplayName("anything not shaped like a waiter token is recognised as such")
    void notWaiterTokens(String candidate) {
        assertThat(PairingSecrets.isWaiterToken(candidate)).isFalse();
    }

    @Test
    @DisplayName("the QR secret differs from the waiter token, has 256 bits and is recomputable from the token")
    void scanSecretDerivation() throws Exception {
        String token = PairingSecrets.newWaiterToken();
        String secret = secrets.scanSecret(token);
        assertThat(secret).isNotEqualTo(token).doesNotContain(token);
        assertThat(Base64.getUrlDecoder().decode(secret)).hasSize(32);
        assertThat(PairingSecrets.isScanSecret(secret)).isTrue();
        assertThat(PairingSecrets.isScanSecret(token)).as("a waiter token is not a scan secret").isFalse();
        assertThat(new PairingSecrets(jwtSecret).scanSecret(token)).as("another node computes the same").isEqualTo(secret);
        assertThat(secrets.scanSecret(PairingSecrets.newWaiterToken())).isNotEqualTo(secret);
        assertThat(new PairingSecrets("another-secret-that-is-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8)).scanSecret(token))
                .as("depends on the server key").isNotEqualTo(secret);
    }

    @Test
    @DisplayName("the key used for QR secrets is not the JWT secret itself")
    void keyIsDomainSeparated() throws Exception {
        String token = PairingSecrets.newWaiterToken();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(jwtSecret, "HmacSHA256"));
        String withRawKey = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(("qr:" + token).getBytes(StandardCharsets.UTF_8)));
        assertThat(secrets.scanSecret(token)).isNotEqualTo(withRawKey);
    }

    @Test
    @DisplayName("what is stored is the SHA-256 of the secret, never the secret")
    void storedHash() throws Exception {
        String secret = secrets.scanSecret(PairingSecrets.newWaiterToken());
        assertThat(PairingSecrets.hash(secret))
                .hasSize(32)
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(secret.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("qrData has the original's shape {token, timestamp, expiresIn}, in that order, with integers")
    void qrDataShape() {
        String secret = secrets.scanSecret(PairingSecrets.newWaiterToken());
        String qrData = PairingSecrets.qrData(secret, 1_700_000_000_123L, 300_000L);
        assertThat(qrData).isEqualTo("{\"token\":\"" + secret + "\",\"timestamp\":1700000000123,\"expiresIn\":300000}");
        assertThat(new JsonObject(qrData).fieldNames()).containsExactly("token", "timestamp", "expiresIn");
        assertThat(PairingSecrets.secretFromQrData(qrData)).isEqualTo(secret);
    }

    @Test
    @DisplayName("a scanned qrData needs only its token; extra or missing fields do not matter")
    void lenientAboutOtherFields() {
        assertThat(PairingSecrets.secretFromQrData("{\"token\":\"abc\"}")).isEqualTo("abc");
        assertThat(PairingSecrets.secretFromQrData("{\"expiresIn\":1,\"token\":\"abc\",\"x\":[1]}")).isEqualTo("abc");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "not json", "null", "[]", "[\"token\"]", "\"token\"", "42", "{}", "{\"token\":null}",
            "{\"token\":42}", "{\"token\":{\"a\":1}}", "{\"token\":[\"x\"]}", "{\"token\":\"x\""})
    @DisplayName("a qrData that is not a JSON object with a string token is an invalid QR")
    void invalidQrData(String qrData) {
        assertThatThrownBy(() -> PairingSecrets.secretFromQrData(qrData))
                .isInstanceOfSatisfying(PairingException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FailureReason.INVALID_QR);
                    assertThat(e.getMessage()).isEqualTo("Invalid QR code");
                });
    }

    @Test
    @DisplayName("an oversized or null qrData is an invalid QR, without being parsed")
    void oversizedQrData() {
        String huge = "{\"token\":\"" + "a".repeat(5000) + "\"}";
        assertThatThrownBy(() -> PairingSecrets.secretFromQrData(huge)).isInstanceOf(PairingException.class);
        assertThatThrownBy(() -> PairingSecrets.secretFromQrData(null)).isInstanceOf(PairingException.class);
    }
}
