package io.relay.pairing;

import io.relay.config.RelayConfig;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Issues and checks the browser's session token: an HS256 JWT with {@code sub} = deviceId,
 * {@code sid} = sessionId, {@code iss}, {@code aud}, {@code iat}, {@code exp}.
 *
 * <p>Verification accepts HS256 and nothing else. The header is checked here before the library
 * sees the token, so {@code alg:none} or a token re-signed with HS384/HS512 under the same secret is
 * refused whatever the library's defaults; the claims are checked again after it, so a change of
 * library behaviour cannot silently widen what passes. This only proves the token was issued by us;
 * whether its session still exists is {@link PairingService#verifySession}'s business.
 */
public final class SessionTokens {

    static final String ALGORITHM = "HS256";
    /** Session tokens are a few hundred bytes; refuse to decode anything far larger. */
    private static final int MAX_TOKEN_CHARS = 4096;
    private static final int CLOCK_SKEW_SECONDS = 30;

    private final JWTAuth auth;
    private final String issuer;
    private final String audience;

    public SessionTokens(Vertx vertx, RelayConfig.Jwt jwt) {
        this.issuer = jwt.issuer();
        this.audience = jwt.audience();
        JWTOptions checks = new JWTOptions()
                .setAlgorithm(ALGORITHM)
                // Tolerates clock skew between nodes on iat/nbf; exp is re-checked strictly in claimsOf.
                .setLeeway(CLOCK_SKEW_SECONDS)
                .setIssuer(issuer)
                .setAudience(List.of(audience));
        this.auth = JWTAuth.create(vertx, new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(Buffer.buffer(jwt.secret())))
                .setJWTOptions(checks));
    }

    /** A signed session token for the given session, valid until {@code expiresAt} (second precision). */
    public String issue(String sessionId, String deviceId, Instant expiresAt) {
        JsonObject claims = new JsonObject()
                .put("sub", deviceId)
                .put("sid", sessionId)
                .put("iss", issuer)
                .put("aud", audience)
                .put("iat", Instant.now().getEpochSecond())
                .put("exp", expiresAt.getEpochSecond());
        // noTimestamp: iat is already set above, and the library must not add or override claims.
        return auth.generateToken(claims, new JWTOptions().setAlgorithm(ALGORITHM).setNoTimestamp(true));
    }

    /**
     * The claims of a token we issued that has not expired.
     * Fails with {@code PairingException(INVALID_SESSION)} for anything else.
     */
    public Future<SessionClaims> verify(String jwt) {
        if (!hasHs256Header(jwt)) {
            return Future.failedFuture(invalid());
        }
        Future<User> checked;
        try {
            checked = auth.authenticate(new TokenCredentials(jwt));
        } catch (RuntimeException e) {
            // The library throws (rather than fails) on a signed claim of the wrong type, such as a string
            // exp, iat or nbf: still a token we must refuse, not an internal error.
            return Future.failedFuture(invalid());
        }
        return checked
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(invalid());
                    }
                    // The full decoded payload; principal() leaves out exp and iat.
                    JsonObject claims = ar.result().attributes().getJsonObject("accessToken");
                    SessionClaims result = claimsOf(claims);
                    return result == null ? Future.failedFuture(invalid()) : Future.succeededFuture(result);
                });
    }

    /** The claims re-checked independently of the library; null when any is missing or wrong. */
    private SessionClaims claimsOf(JsonObject claims) {
        if (claims == null
                || !(claims.getValue("sub") instanceof String deviceId) || deviceId.isEmpty()
                || !(claims.getValue("sid") instanceof String sessionId) || sessionId.isEmpty()
                || !issuer.equals(claims.getValue("iss"))
                || !audienceMatches(claims.getValue("aud"))
                || !(claims.getValue("exp") instanceof Number exp)) {
            return null;
        }
        Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
        if (!expiresAt.isAfter(Instant.now())) {
            return null;
        }
        return new SessionClaims(deviceId, sessionId, expiresAt);
    }

    private boolean audienceMatches(Object aud) {
        if (aud instanceof String s) {
            return audience.equals(s);
        }
        return aud instanceof JsonArray a && a.contains(audience);
    }

    /** Three non-empty base64url parts whose header names HS256 exactly. */
    private static boolean hasHs256Header(String jwt) {
        if (jwt == null || jwt.isEmpty() || jwt.length() > MAX_TOKEN_CHARS) {
            return false;
        }
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return false;
        }
        try {
            JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
            return ALGORITHM.equals(header.getValue("alg"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static PairingException invalid() {
        return new PairingException(FailureReason.INVALID_SESSION, "Invalid or expired session");
    }
}
