package io.relay.store;

import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class PairingStoreTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();
    private Store store;

    @BeforeEach
    void store() {
        store = storage.store();
    }

    private static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant inMinutes(long minutes) {
        return Instant.now().plus(Duration.ofMinutes(minutes)).truncatedTo(ChronoUnit.MILLIS);
    }

    @Test
    @DisplayName("A created pairing is found by its token, not yet redeemed")
    void createAndFind(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        Instant expiresAt = inMinutes(5);
        store.createPairingToken(token, UUID.randomUUID().toString(), hash("s1"), expiresAt)
                .compose(v -> Future.all(store.findPairingToken(token), store.findPairingToken(UUID.randomUUID().toString()),
                        store.findPairingToken("not-a-uuid")))
                .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
                    Optional<Store.PairingToken> row = found.resultAt(0);
                    assertThat(row).isPresent();
                    assertThat(row.get().token()).isEqualTo(token);
                    assertThat(row.get().expiresAt()).isEqualTo(expiresAt);
                    assertThat(row.get().createdAt()).isBefore(expiresAt);
                    assertThat(row.get().redeemed()).isFalse();
                    assertThat(row.get().deviceId()).isNull();
                    assertThat((Optional<?>) found.resultAt(1)).isEmpty();
                    assertThat((Optional<?>) found.resultAt(2)).isEmpty();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A pairing is found by its image handle; the handle is not a token, and the token is not a handle")
    void findByImage(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        String image = UUID.randomUUID().toString();
        store.createPairingToken(token, image, hash("img"), inMinutes(5))
                .compose(v -> Future.all(store.findPairingImage(image), store.findPairingImage(token), store.findPairingToken(image),
                        store.findPairingImage("not-a-uuid")))
                .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
                    Optional<Store.PairingToken> row = found.resultAt(0);
                    assertThat(row).isPresent();
                    assertThat(row.get().token()).isEqualTo(token);
                    assertThat(row.get().delivered()).isFalse();
                    for (int i = 1; i < 4; i++) {
                        assertThat((Optional<?>) found.resultAt(i)).as("lookup %d", i).isEmpty();
                    }
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A redeemed pairing's session is claimed once: eight concurrent claims, exactly one row back; none before the scan")
    void claimedOnce(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        List<Future<Optional<Store.ClaimedSession>>> claims = new ArrayList<>();
        String sessionId = UUID.randomUUID().toString();
        Instant sessionExpiresAt = inMinutes(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        store.createPairingToken(token, UUID.randomUUID().toString(), hash("claim"), inMinutes(5))
                .compose(v -> store.claimPairingSession(token))
                .compose(beforeScan -> {
                    ctx.verify(() -> assertThat(beforeScan).as("a claim before the scan").isEmpty());
                    return store.redeemPairingToken(hash("claim"), "phone-1", sessionId, sessionExpiresAt);
                })
                .compose(redeemed -> {
                    for (int i = 0; i < 8; i++) {
                        claims.add(store.claimPairingSession(token));
                    }
                    return Future.all(claims);
                })
                .compose(all -> store.findPairingToken(token))
                .onComplete(ctx.succeeding(row -> ctx.verify(() -> {
                    assertThat(claims.stream().filter(c -> c.result().isPresent()).count()).isEqualTo(1);
                    assertThat(claims.stream().filter(c -> c.result().isPresent()).findFirst().orElseThrow().result())
                            .as("the claim answers the session the token is made of")
                            .contains(new Store.ClaimedSession(sessionId, "phone-1", sessionExpiresAt));
                    assertThat(row.get().delivered()).isTrue();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A session the phone revoked before the browser collected it is not handed out, and the pairing stays uncollected")
    void revokedSessionIsNotClaimed(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        String sessionId = UUID.randomUUID().toString();
        store.createPairingToken(token, UUID.randomUUID().toString(), hash("revoked"), inMinutes(5))
                .compose(v -> store.redeemPairingToken(hash("revoked"), "phone-r", sessionId, inMinutes(60)))
                .compose(v -> store.revokeSessions("phone-r", sessionId))
                .compose(v -> store.claimPairingSession(token))
                .compose(claimed -> {
                    ctx.verify(() -> assertThat(claimed).isEmpty());
                    return store.findPairingToken(token);
                })
                .onComplete(ctx.succeeding(row -> ctx.verify(() -> {
                    assertThat(row.get().redeemed()).isTrue();
                    assertThat(row.get().delivered()).isFalse();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("Creating a pairing answers its creation time exactly as stored, the timestamp every node puts in its qrData")
    void createAnswersStoredTime(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        store.createPairingToken(token, UUID.randomUUID().toString(), hash("time"), inMinutes(5))
                .compose(createdAt -> store.findPairingToken(token).map(row -> {
                    ctx.verify(() -> assertThat(row.get().createdAt()).isEqualTo(createdAt));
                    return row;
                }))
                .onComplete(ctx.succeeding(row -> ctx.completeNow()));
    }

    @Test
    @DisplayName("Redeeming a pairing records the device and the session, and the session is found")
    void redeemCreatesSession(VertxTestContext ctx) {
        String token = UUID.randomUUID().toString();
        String sessionId = UUID.randomUUID().toString();
        Instant sessionExpiresAt = inMinutes(60 * 24 * 30);
        store.createPairingToken(token, UUID.randomUUID().toString(), hash("s1"), inMinutes(5))
                .compose(v -> store.redeemPairingToken(hash("s1"), "phone-1", sessionId, sessionExpiresAt))
                .compose(redeemed -> {
                    ctx.verify(() -> {
                        assertThat(redeemed).isPresent();
                        assertThat(redeemed.get().token()).isEqualTo(token);
                        assertThat(redeemed.get().redeemed()).isTrue();
                        assertThat(redeemed.get().deviceId()).isEqualTo("phone-1");
                        assertThat(redeemed.get().sessionId()).isEqualTo(sessionId);
                    });
                    return Future.all(store.findSession(sessionId), store.findPairingToken(token), store.findSession("nope"));
                })
                .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
                    Optional<Store.SessionRecord> session = found.resultAt(0);
                    assertThat(session).isPresent();
                    assertThat(session.get().deviceId()).isEqualTo("phone-1");
                    assertThat(session.get().expiresAt()).isEqualTo(sessionExpiresAt);
                    assertThat(session.get().revokedAt()).isNull();
                    assertThat(session.get().validAt(Instant.now())).isTrue();
                    Optional<Store.PairingToken> pairing = found.resultAt(1);
                    assertThat(pairing.get().redeemed()).isTrue();
                    assertThat((Optional<?>) found.resultAt(2)).isEmpty();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("Two concurrent redeems of the same secret: exactly one succeeds, one session exists")
    void singleUse(VertxTestContext ctx) {
        byte[] secret = hash("race");
        List<String> sessions = new ArrayList<>();
        List<Future<Optional<Store.PairingToken>>> attempts = new ArrayList<>();
        Future<java.time.Instant> created = store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), secret, inMinutes(5));
        created.compose(v -> {
                    for (int i = 0; i < 8; i++) {
                        String sessionId = UUID.randomUUID().toString();
                        sessions.add(sessionId);
                        attempts.add(store.redeemPairingToken(secret, "phone-" + i, sessionId, inMinutes(60)));
                    }
                    return Future.all(attempts);
                })
                .compose(all -> {
                    List<Future<Optional<Store.SessionRecord>>> lookups = new ArrayList<>();
                    sessions.forEach(id -> lookups.add(store.findSession(id)));
                    return Future.all(lookups).map(found -> {
                        ctx.verify(() -> {
                            assertThat(attempts.stream().filter(a -> a.result().isPresent()).count()).isEqualTo(1);
                            assertThat(found.<Optional<Store.SessionRecord>>list().stream().filter(Optional::isPresent).count()).isEqualTo(1);
                        });
                        return found;
                    });
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("An expired pairing, an unknown secret or a second redeem is refused and creates no session")
    void refused(VertxTestContext ctx) {
        String expiredSession = UUID.randomUUID().toString();
        store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), hash("old"), Instant.now().minusSeconds(1))
                .compose(v -> store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), hash("once"), inMinutes(5)))
                .compose(v -> store.redeemPairingToken(hash("once"), "phone-1", UUID.randomUUID().toString(), inMinutes(60)))
                .compose(first -> Future.all(
                        store.redeemPairingToken(hash("old"), "phone-1", expiredSession, inMinutes(60)),
                        store.redeemPairingToken(hash("unknown"), "phone-1", UUID.randomUUID().toString(), inMinutes(60)),
                        store.redeemPairingToken(hash("once"), "phone-2", UUID.randomUUID().toString(), inMinutes(60))))
                .compose(results -> store.findSession(expiredSession).map(session -> {
                    ctx.verify(() -> {
                        for (int i = 0; i < 3; i++) {
                            assertThat((Optional<?>) results.resultAt(i)).as("attempt %d", i).isEmpty();
                        }
                        assertThat(session).isEmpty();
                    });
                    return session;
                }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("Malformed pairing requests are refused with 400")
    void badRequests(VertxTestContext ctx) {
        Future.all(
                        codeOf(store.createPairingToken("not-a-uuid", UUID.randomUUID().toString(), hash("a"), inMinutes(5))),
                        codeOf(store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), new byte[0], inMinutes(5))),
                        codeOf(store.redeemPairingToken(hash("a"), "phone", "not-a-uuid", inMinutes(5))),
                        codeOf(store.redeemPairingToken(hash("a"), "", UUID.randomUUID().toString(), inMinutes(5))))
                .onComplete(ctx.succeeding(codes -> ctx.verify(() -> {
                    assertThat(codes.<Object>list()).containsOnly(FailureReason.INVALID_DATA);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A device row is created and refreshed by upsertDevice")
    void upsertDevice(VertxTestContext ctx) {
        store.upsertDevice("phone-1", "Pixel", "Pixel 8")
                .compose(v -> store.upsertDevice("phone-1", "Pixel (renamed)", null))
                .onComplete(ctx.succeedingThenComplete());
    }

    /** {@code "ok"}, or the reason of the {@link StoreException} it failed with. */
    private static Future<Object> codeOf(Future<?> attempt) {
        return attempt.transform(ar -> Future.succeededFuture(ar.succeeded() ? "ok"
                : ar.cause() instanceof StoreException e ? e.reason() : ar.cause()));
    }
}
