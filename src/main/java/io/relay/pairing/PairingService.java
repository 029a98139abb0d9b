package io.relay.pairing;

import io.relay.config.RelayConfig;
import io.relay.ops.Metrics;
import io.relay.vocabulary.Addresses;
import io.relay.store.Store;
import io.relay.store.Store.PairingToken;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.relay.vocabulary.FailureReason.ALREADY_COLLECTED;
import static io.relay.vocabulary.FailureReason.BAD_REQUEST;
import static io.relay.vocabulary.FailureReason.CANCELLED;
import static io.relay.vocabulary.FailureReason.INVALID_QR;
import static io.relay.vocabulary.FailureReason.INVALID_SESSION;
import static io.relay.vocabulary.FailureReason.PAIRING_TIMEOUT;
import static io.relay.vocabulary.FailureReason.UNKNOWN_TOKEN;

/**
 * QR pairing across the cluster: a browser asks for a QR, a phone scans it on any node, the browser's
 * long-poll on any node gets a session token.
 *
 * <p>The database is the truth: a QR is single-use and expires because {@link Store#redeemPairingToken}
 * says so atomically, not because of anything held in memory. The event bus only <em>nudges</em> the
 * waiting browser; the waiter then reads the redeemed row back, so a lost, late or forged bus message
 * can neither lose a pairing nor mint a session. The session a scan creates is handed out once, to the
 * first long-poll that claims it in the database; the QR image is fetched by a handle of its own that
 * cannot claim anything.
 */
public final class PairingService {

    private static final Logger log = LoggerFactory.getLogger(PairingService.class);
    private static final int MAX_DEVICE_ID_CHARS = 256;

    private final Vertx vertx;
    private final Store store;
    private final SessionTokens tokens;
    private final PairingSecrets secrets;
    private final Duration qrTtl;
    private final Duration sessionTtl;
    private final Metrics metrics;
    private final WaitingRoom room;

    public PairingService(Vertx vertx, RelayConfig config, Store store, SessionTokens tokens) {
        this(vertx, config, store, tokens, Metrics.standalone());
    }

    public PairingService(Vertx vertx, RelayConfig config, Store store, SessionTokens tokens, Metrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.store = store;
        this.tokens = tokens;
        this.secrets = new PairingSecrets(config.jwt().secret());
        this.qrTtl = config.pairing().qrTtl();
        this.sessionTtl = config.jwt().sessionTtl();
        this.room = new WaitingRoom(vertx);
    }

    /** How long a QR stays valid, in ms (the {@code expiresIn} of the REST answer and of the qrData). */
    public long qrTtlMs() {
        return qrTtl.toMillis();
    }

    /** A new pairing, stored with its image handle, the hash of its scan secret and an expiry of now + qrTtl. */
    public Future<GeneratedQr> generate() {
        String token = PairingSecrets.newWaiterToken();
        String imageId = PairingSecrets.newImageId();
        byte[] secretHash = PairingSecrets.hash(secrets.scanSecret(token));
        Instant expiresAt = Instant.now().plus(qrTtl).truncatedTo(ChronoUnit.MILLIS);
        // The stored createdAt is the qrData's timestamp, so any node renders the same string from the row.
        return store.createPairingToken(token, imageId, secretHash, expiresAt)
                .map(createdAt -> new GeneratedQr(token, imageId, qrDataOf(token, createdAt), qrTtlMs()))
                .onSuccess(qr -> metrics.qrGenerated());
    }

    /**
     * The qrData of a pairing that can still be scanned, found by its image handle and recomputed from its
     * stored row (for rendering the QR as an image). Fails with {@code UNKNOWN_TOKEN} when the handle is
     * unknown (a waiter token is not an image handle), or the pairing expired or was used.
     */
    public Future<String> qrDataForImage(String imageId) {
        if (!PairingSecrets.isWaiterToken(imageId)) {
            return Future.failedFuture(unknownToken());
        }
        return store.findPairingImage(imageId).map(row -> row
                .filter(r -> !r.redeemed() && r.expiresAt().isAfter(Instant.now()))
                .map(this::qrDataOf)
                .orElseThrow(PairingService::unknownToken));
    }

    /**
     * Redeems a scanned QR for {@code deviceId}: single use, before expiry, checked atomically in the
     * database. Then tells the browser waiting on that QR, on whichever node it is.
     */
    public Future<PairedSession> scan(String qrData, String deviceId) {
        return redeem(qrData, deviceId).onComplete(ar -> metrics.pairingScan(ar.succeeded() ? "paired" : outcome(ar.cause())));
    }

    private Future<PairedSession> redeem(String qrData, String deviceId) {
        if (deviceId == null || deviceId.isBlank() || deviceId.length() > MAX_DEVICE_ID_CHARS) {
            return Future.failedFuture(new PairingException(BAD_REQUEST, "deviceId is required"));
        }
        String secret;
        try {
            secret = PairingSecrets.secretFromQrData(qrData);
        } catch (PairingException e) {
            return Future.failedFuture(e);
        }
        if (!PairingSecrets.isScanSecret(secret)) {
            // Not even shaped like one of our secrets (e.g. a QR forged from a waiter token): no lookup needed.
            return Future.failedFuture(unusableQr());
        }
        String sessionId = UUID.randomUUID().toString();
        // Whole seconds, so the stored expiry and the JWT's exp are the same instant.
        Instant sessionExpiresAt = Instant.now().plus(sessionTtl).truncatedTo(ChronoUnit.SECONDS);
        return store.redeemPairingToken(PairingSecrets.hash(secret), deviceId, sessionId, sessionExpiresAt)
                .map(redeemed -> {
                    PairingToken row = redeemed.orElseThrow(PairingService::unusableQr);
                    metrics.pairingDuration(Duration.between(row.createdAt(), row.redeemedAt() != null ? row.redeemedAt() : Instant.now()));
                    log.info("device {} paired with a new web session", deviceId);
                    // To every node: this QR's browser may be waiting on any of them, or on two (a retried long-poll).
                    vertx.eventBus().publish(Addresses.pairingScans(), row.token());
                    return new PairedSession(sessionId, deviceId, sessionExpiresAt, row.token());
                });
    }

    /**
     * Registers this node's consumer of scans: before the first long-poll, so its waiters are woken (the node
     * calls it at start; a long-poll that finds it not done does it). Completes once the registration is
     * known cluster-wide.
     */
    public Future<Void> hearScans() {
        return room.hearScans();
    }

    /**
     * After a partition healed: registers the consumer of scans again, so publishers elsewhere drop the list of
     * consumers they cached while this node was out of sight, and re-reads every waiting pairing's row, since a
     * scan made meanwhile was heard by nobody here.
     */
    public void rehearScans() {
        room.rehearScans();
    }

    /** Long-polls waiting on this node (for tests). */
    public int waitingHere() {
        return room.size();
    }

    /** {@link #awaitPairing(String, Future)} that nobody cancels. */
    public Future<String> awaitPairing(String token) {
        return awaitPairing(token, null);
    }

    /**
     * The session token for the browser holding waiter {@code token}, once a phone has scanned its QR.
     * Completes at once if the QR was already scanned (a scan that beat the long-poll, or a long-poll
     * retried before any answered). The session is handed out once: the first long-poll to claim it in the
     * database gets it, every later one (or a concurrent one on another node) fails with
     * {@code ALREADY_COLLECTED}. Fails with {@code PAIRING_TIMEOUT} when the QR expires unscanned,
     * {@code UNKNOWN_TOKEN} for a token never generated, {@code BAD_REQUEST} for one not shaped like a
     * token, and {@code CANCELLED} as soon as {@code cancelled} completes (e.g. the HTTP client went away);
     * a cancelled long-poll never claims the session, so the browser's retry still can. Nothing is left
     * behind (consumer, timer) once the returned future completes.
     */
    public Future<String> awaitPairing(String token, Future<?> cancelled) {
        Future<String> waited = PairingSecrets.isWaiterToken(token)
                ? new Waiter(token).start(cancelled)
                : Future.failedFuture(new PairingException(BAD_REQUEST, "Token is required"));
        return waited.onComplete(ar -> metrics.pairingWait(ar.succeeded() ? "paired" : outcome(ar.cause())));
    }

    /** The outcome label of a failed pairing step: the refusal's reason, or {@code error}. */
    private static String outcome(Throwable failure) {
        return failure instanceof PairingException p ? p.reason().name().toLowerCase(Locale.ROOT) : "error";
    }

    /**
     * The claims of a session token that is ours, unexpired, and whose session row still exists for the
     * same phone and is not revoked. Fails with {@code INVALID_SESSION} otherwise.
     */
    public Future<SessionClaims> verifySession(String jwt) {
        return tokens.verify(jwt).compose(claims -> store.findSession(claims.sessionId()).map(session -> session
                .filter(s -> s.deviceId().equals(claims.deviceId()) && s.validAt(Instant.now()))
                .map(s -> claims)
                .orElseThrow(() -> new PairingException(INVALID_SESSION, "Invalid or expired session"))));
    }

    private String qrDataOf(PairingToken row) {
        return qrDataOf(row.token(), row.createdAt());
    }

    private String qrDataOf(String token, Instant createdAt) {
        return PairingSecrets.qrData(secrets.scanSecret(token), createdAt.toEpochMilli(), qrTtlMs());
    }

    private static PairingException unknownToken() {
        return new PairingException(UNKNOWN_TOKEN, "Unknown pairing token");
    }

    private static PairingException alreadyCollected() {
        return new PairingException(ALREADY_COLLECTED, "Pairing already collected");
    }

    private static PairingException unusableQr() {
        return new PairingException(INVALID_QR, "QR code is invalid, expired or already used");
    }

    /**
     * One browser's long-poll. It is listed among this node's waiters, and the node's consumer of scans is
     * registered (cluster-wide), <em>before</em> the row is read, so a scan landing between the two is seen
     * either in the row or as a message; each message or timer tick just re-reads the row and decides again.
     * Its work runs on the context it started on (the HTTP request's), wherever the scan was heard.
     */
    private final class Waiter implements WaitingRoom.Guest {
        private final String token;
        private final Instant startedAt = Instant.now();
        private final Promise<String> result = Promise.promise();
        /** Set by the first check that claims the session: later checks must not answer "already collected". */
        private final AtomicBoolean claiming = new AtomicBoolean();
        private Future<?> cancelled;
        private Context context;
        private long timerId = -1;

        Waiter(String token) {
            this.token = token;
        }

        Future<String> start(Future<?> cancelled) {
            this.cancelled = cancelled;
            this.context = vertx.getOrCreateContext();
            room.enter(token, this);
            result.future().onComplete(ar -> cleanUp());
            if (cancelled != null) {
                cancelled.onComplete(ar -> result.tryFail(new PairingException(CANCELLED, "Stopped waiting for pairing")));
            }
            // Back on this long-poll's context: the registration's future calls back on the context that made it,
            // and the answer must be written on the request's.
            hearScans().onComplete(ar -> context.runOnContext(v -> {
                if (ar.succeeded()) {
                    check();
                } else {
                    result.tryFail(ar.cause());
                }
            }));
            return result.future();
        }

        /** The scan's message is the wake-up: claim at once (one round trip), without reading the row first. */
        @Override
        public void woken() {
            context.runOnContext(v -> settle(claim()));
        }

        @Override
        public void recheck() {
            context.runOnContext(v -> check());
        }

        private void check() {
            if (result.future().isComplete() || claiming.get()) {
                return;
            }
            settle(store.findPairingToken(token).compose(this::decide));
        }

        /** Answers the long-poll with the JWT or the failure; null means "keep waiting". */
        private void settle(Future<String> outcome) {
            outcome.onComplete(ar -> {
                if (ar.failed()) {
                    result.tryFail(ar.cause());
                } else if (ar.result() != null) {
                    result.tryComplete(ar.result());
                }
            });
        }

        /** The JWT, a failure, or null for "keep waiting". */
        private Future<String> decide(Optional<PairingToken> found) {
            if (found.isEmpty()) {
                return Future.failedFuture(unknownToken());
            }
            PairingToken row = found.get();
            Instant now = Instant.now();
            if (claiming.get()) {
                return Future.succeededFuture(); // this waiter's own claim is under way; the row may already say delivered
            }
            if (row.delivered()) {
                return Future.failedFuture(alreadyCollected());
            }
            // A waiter that started before expiry collects a scan made in time even if the nudge is a bit late.
            if (row.redeemed() && startedAt.isBefore(row.expiresAt())) {
                return claim();
            }
            if (!now.isBefore(row.expiresAt())) {
                return Future.failedFuture(new PairingException(PAIRING_TIMEOUT, "Pairing timeout"));
            }
            armTimer(Math.max(1, Duration.between(now, row.expiresAt()).toMillis()));
            return Future.succeededFuture();
        }

        /**
         * Hands the session to this long-poll if it is the first to ask, on any node. A long-poll whose
         * browser has gone does not claim: the answer would be lost, and the browser's retry must find the
         * session still there.
         */
        private Future<String> claim() {
            if (result.future().isComplete() || (cancelled != null && cancelled.isComplete()) || !claiming.compareAndSet(false, true)) {
                return Future.succeededFuture();
            }
            return store.claimPairingSession(token).compose(claimed -> claimed
                    .map(s -> Future.succeededFuture(tokens.issue(s.sessionId(), s.deviceId(), s.expiresAt())))
                    .orElseGet(this::notClaimed));
        }

        /**
         * Why the claim found nothing, from the row: handed out already, a session the phone revoked (or that
         * expired) before the browser collected it, or no scan yet (a stray message): then keep waiting.
         */
        private Future<String> notClaimed() {
            return store.findPairingToken(token).compose(found -> {
                PairingToken row = found.orElse(null);
                if (row == null) {
                    return Future.failedFuture(unknownToken());
                }
                if (row.delivered()) {
                    return Future.failedFuture(alreadyCollected());
                }
                if (row.redeemed()) {
                    return Future.failedFuture(new PairingException(INVALID_SESSION, "Invalid or expired session"));
                }
                claiming.set(false);
                return Future.succeededFuture();
            });
        }

        /** At expiry, read the row one last time (a scan may have just landed) and then give up. */
        private synchronized void armTimer(long delayMs) {
            if (timerId == -1 && !result.future().isComplete()) {
                timerId = vertx.setTimer(delayMs, id -> {
                    synchronized (this) {
                        timerId = -1;
                    }
                    check();
                });
            }
        }

        private synchronized void cleanUp() {
            if (timerId != -1) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            room.leave(token, this);
        }
    }
}
