package io.relay.pairing;

import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Session tokens")
class SessionTokensTest {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private RelayConfig.Jwt jwt;
    private SessionTokens tokens;

    @BeforeEach
    void setUp(Vertx vertx) {
        jwt = TestConfigs.forDatabase(null).jwt();
        tokens = new SessionTokens(vertx, jwt);
    }

    private static Instant inAnHour() {
        return Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    }

    @Test
    @DisplayName("a token issued for a session verifies back to the same device, session and expiry")
    void roundTrip(VertxTestContext ctx) {
        Instant exp = inAnHour();
        String token = tokens.issue("session-1", "device-1", exp);
        tokens.verify(token).onComplete(ctx.succeeding(claims -> ctx.verify(() -> {
            assertThat(claims).isEqualTo(new SessionClaims("device-1", "session-1", exp));
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("the token is HS256 and carries sub, sid, iss, aud, iat and exp")
    void claimsOnTheWire() {
        Instant exp = inAnHour();
        String[] parts = tokens.issue("s", "d", exp).split("\\.");
        JsonObject header = decode(parts[0]);
        JsonObject payload = decode(parts[1]);
        assertThat(header.getString("alg")).isEqualTo("HS256");
        assertThat(payload.getString("sub")).isEqualTo("d");
        assertThat(payload.getString("sid")).isEqualTo("s");
        assertThat(payload.getString("iss")).isEqualTo(jwt.issuer());
        assertThat(payload.getString("aud")).isEqualTo(jwt.audience());
        assertThat(payload.getLong("exp")).isEqualTo(exp.getEpochSecond());
        assertThat(payload.getLong("iat")).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(5L));
    }

    @Test
    @DisplayName("an unsigned alg:none token with valid claims is refused")
    void algNoneRefused(VertxTestContext ctx) {
        String forged = B64.encodeToString(bytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + B64.encodeToString(bytes(validPayload().encode())) + ".";
        expectRefused(ctx, tokens.verify(forged));
    }

    @Test
    @DisplayName("an alg:none header on a genuinely signed token (header swapped) is refused")
    void tamperedHeaderRefused(VertxTestContext ctx) {
        String[] parts = tokens.issue("s", "d", inAnHour()).split("\\.");
        String forged = B64.encodeToString(bytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + parts[1] + "." + parts[2];
        expectRefused(ctx, tokens.verify(forged));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HS384", "HS512"})
    @DisplayName("a token signed with the same secret but another HMAC algorithm is refused")
    void otherHmacRefused(String alg, Vertx vertx, VertxTestContext ctx) {
        String forged = JWTAuth.create(vertx, new JWTAuthOptions()
                        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(Buffer.buffer(jwt.secret()))))
                .generateToken(validPayload(), new JWTOptions().setAlgorithm(alg).setNoTimestamp(true));
        assertThat(decode(forged.split("\\.")[0]).getString("alg")).isEqualTo(alg);
        expectRefused(ctx, tokens.verify(forged));
    }

    @Test
    @DisplayName("a hand-made HS256 token is accepted only with our secret (the forging helper itself is sound)")
    void handMadeTokenWithOurSecretIsAccepted(VertxTestContext ctx) {
        tokens.verify(hs256(validPayload(), jwt.secret())).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("an HS256 token signed with another secret is refused")
    void otherSecretRefused(VertxTestContext ctx) {
        expectRefused(ctx, tokens.verify(hs256(validPayload(), bytes("another-secret-that-is-at-least-32-bytes!!"))));
    }

    @Test
    @DisplayName("a token from another issuer is refused")
    void wrongIssuerRefused(VertxTestContext ctx) {
        expectRefused(ctx, tokens.verify(hs256(validPayload().put("iss", "someone-else"), jwt.secret())));
    }

    @Test
    @DisplayName("a token for another audience is refused")
    void wrongAudienceRefused(VertxTestContext ctx) {
        expectRefused(ctx, tokens.verify(hs256(validPayload().put("aud", "another-app"), jwt.secret())));
    }

    @Test
    @DisplayName("a token issued by a node whose clock runs a few seconds ahead still verifies")
    void clockSkewTolerated(VertxTestContext ctx) {
        JsonObject payload = validPayload();
        payload.put("iat", payload.getLong("iat") + 10);
        tokens.verify(hs256(payload, jwt.secret())).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a token that expired a moment ago is refused, clock-skew leeway notwithstanding")
    void justExpiredRefused(VertxTestContext ctx) {
        JsonObject payload = validPayload();
        payload.put("exp", Instant.now().getEpochSecond() - 1);
        expectRefused(ctx, tokens.verify(hs256(payload, jwt.secret())));
    }

    @Test
    @DisplayName("an expired token is refused")
    void expiredRefused(VertxTestContext ctx) {
        String token = tokens.issue("s", "d", Instant.now().minus(Duration.ofMinutes(10)));
        expectRefused(ctx, tokens.verify(token));
    }

    @Test
    @DisplayName("a token without sub or sid is refused")
    void missingClaimsRefused(VertxTestContext ctx) {
        JsonObject payload = validPayload();
        payload.remove("sid");
        expectRefused(ctx, tokens.verify(hs256(payload, jwt.secret())));
    }

    @Test
    @DisplayName("a token whose payload was altered after signing is refused")
    void tamperedPayloadRefused(VertxTestContext ctx) {
        String[] parts = tokens.issue("s", "device-1", inAnHour()).split("\\.");
        JsonObject payload = decode(parts[1]).put("sub", "device-2");
        expectRefused(ctx, tokens.verify(parts[0] + "." + B64.encodeToString(bytes(payload.encode())) + "." + parts[2]));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "garbage", "a.b.c", "a.b", "....", "eyJhbGciOiJIUzI1NiJ9.e30.", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"})
    @DisplayName("garbage is refused")
    void garbageRefused(String garbage, VertxTestContext ctx) {
        expectRefused(ctx, tokens.verify(garbage));
    }

    @Test
    @DisplayName("a null token is refused")
    void nullRefused(VertxTestContext ctx) {
        expectRefused(ctx, tokens.verify(null));
    }

    private JsonObject validPayload() {
        long now = Instant.now().getEpochSecond();
        return new JsonObject().put("sub", "d").put("sid", "s").put("iss", jwt.issuer()).put("aud", jwt.audience())
                .put("iat", now).put("exp", now + 3600);
    }

    private static String hs256(JsonObject payload, byte[] secret) {
        try {
            String signingInput = B64.encodeToString(bytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + B64.encodeToString(bytes(payload.encode()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + B64.encodeToString(mac.doFinal(bytes(signingInput)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void expectRefused(VertxTestContext ctx, Future<SessionClaims> verification) {
        verification.onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertThat(e).isInstanceOf(PairingException.class);
            assertThat(((PairingException) e).reason()).isEqualTo(FailureReason.INVALID_SESSION);
            ctx.completeNow();
        })));
    }

    private static JsonObject decode(String part) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
