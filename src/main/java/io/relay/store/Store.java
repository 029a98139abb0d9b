package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Optional;

/**
 * The relay's storage, as the rest of the code sees it: called in-process, from any event loop, and
 * answered on the caller's own context. Every method completes only after the database has committed
 * (or answered); failures carry a {@link StoreException}.
 *
 * <p>Message and conversation documents are kept as the phone sent them (key order and number
 * types intact), so what a browser gets from storage is what it would have got live.
 */
public interface Store {
    /** Largest batch of messages or conversations accepted in one call. */
    int MAX_BATCH = 5000;
    /** Largest {@code limit} of one load (messages per thread, threads per load, events since). */
    int MAX_LOAD = 5000;

    /**
     * Stores a new QR pairing: the browser's waiter token, the handle its QR image is fetched by (which
     * redeems nothing), and the hash of the secret carried in the QR. Completes with the row's creation
     * time, as stored (the qrData's timestamp).
     */
    Future<Instant> createPairingToken(String token, String imageId, byte[] secretHash, Instant expiresAt);

    /** The pairing row for a waiter token, if it exists (redeemed or not, expired or not). */
    Future<Optional<PairingToken>> findPairingToken(String token);

    /** The pairing row whose QR image has this handle, if it exists (redeemed or not, expired or not). */
    Future<Optional<PairingToken>> findPairingImage(String imageId);

    /**
     * Atomically marks the session of a redeemed pairing as handed out, once, and only while that session
     * is valid (not revoked, not expired): the session for the one call that does so, empty for every other
     * (not redeemed yet, already handed out, session no longer valid, or unknown).
     */
    Future<Optional<ClaimedSession>> claimPairingSession(String token);

    /**
     * Atomically redeems the pairing whose QR secret hashes to {@code secretHash}: single use, only
     * before it expires. In the same transaction it makes sure the device row exists and inserts the
     * session. Empty when the secret is unknown, already used or expired.
     */
    Future<Optional<PairingToken>> redeemPairingToken(byte[] secretHash, String deviceId, String sessionId, Instant sessionExpiresAt);

    /**
     * Deletes up to {@code limit} pairings whose QR expired before {@code expiredBefore} (scanned or not, collected or not),
     * earliest expiry first, and completes with how many it deleted. The sessions they made are rows of their own and stay.
     */
    Future<Integer> prunePairingTokens(Instant expiredBefore, int limit);

    /** Creates or refreshes a phone's device row (name, model, last seen). */
    Future<Void> upsertDevice(String deviceId, String deviceName, String deviceModel);

    /** The phone's credential as stored; empty when the device is unknown or has no secret yet. */
    Future<Optional<DeviceCredential>> findDeviceCredential(String deviceId);

    /** Records that the phone presented its secret: from now on it registers only with it. Idempotent. */
    Future<Void> bindDeviceSecret(String deviceId);

    /**
     * Notes that the device registered without its secret (a legacy app): true only the first time for
     * that device, across every node, so that it is logged once.
     */
    Future<Boolean> noteLegacyDevice(String deviceId);

    /**
     * Sets the device's secret hash only if it has none (creating the device row if needed), atomically:
     * of two sockets claiming the same fresh deviceId at once, exactly one gets {@code true}.
     */
    Future<Boolean> issueDeviceSecret(String deviceId, byte[] secretHash);

    /** The device's sessions that are neither revoked nor expired, oldest first. */
    Future<java.util.List<SessionSummary>> listSessions(String deviceId);

    /**
     * Revokes one live session of the device ({@code sessionId}), or all of them ({@code null}).
     * Completes with the ids revoked by this call (empty when none matched).
     */
    Future<java.util.List<String>> revokeSessions(String deviceId, String sessionId);

    /** The session row, if it exists. */
    Future<Optional<SessionRecord>> findSession(String sessionId);

    /**
     * Removes every row of this device (messages, conversations, its event log, outbox, sessions, pairing tokens, the device row):
     * one statement, so nothing of it is left half-removed. Succeeds for a device never stored. The deviceId is new afterwards: a
     * phone that registers with it is issued a fresh secret and its sequence starts again at epoch 1.
     *
     * <p>Writes that go through the group commit ({@link #saveMessagesAndLog}, {@link #enqueueCommand}...) may still be queued when
     * this is called, and would then be stored after it. Callers must let the device's writes settle first (wait for their acks)
     * and make no more: nothing here waits for them or fences them off. A pairing that was never redeemed names no device and is
     * not removed.
     */
    Future<Void> forgetDevice(String deviceId);

    /**
     * Stores the phone's messages and appends {@code entry} with {@code payloadJson} (the payload as its caller
     * encoded it once, a JSON object's text, which the log gives back as it is) to the device's log in the same
     * commit: the messages as rows of that event, the newest row of an id being the message as it stands (with
     * the last status recorded for it when it brings none), and on PostgreSQL those rows are the log's entry
     * (V13). The entry carries the number its phone's node gave it (see {@link #takeOverSeq}); it is stored
     * only while its epoch is the device's. Fails as {@link io.relay.vocabulary.FailureReason#SUPERSEDED}, having
     * stored nothing, when it is not: the phone's sequence was taken over by a newer connection, or the device
     * was never registered.
     */
    Future<Void> saveMessagesAndLog(String deviceId, JsonArray messages, LogEntry entry, String payloadJson);

    /**
     * Upserts the phone's conversations by (deviceId, id) and appends {@code entry} with {@code payloadJson} to
     * the device's log, in one commit. Refused as {@link #saveMessagesAndLog} is.
     */
    Future<Void> saveConversationsAndLog(String deviceId, JsonArray conversations, LogEntry entry, String payloadJson);

    /**
     * In one commit: records a status change of one message (a no-op if it was never stored), settles the
     * browser's command {@code settles} (a no-op if there is none), and appends {@code entry} with
     * {@code payloadJson} to the device's log. Refused as {@link #saveMessagesAndLog} is.
     */
    Future<Void> recordStatusAndLog(String deviceId, String messageId, String status, String settles, LogEntry entry, String payloadJson);

    /**
     * Takes the device's sequence over for the caller as its phone registers: a new epoch, which fences off every
     * earlier holder's appends from now on, and a block of {@code size} numbers past every number reserved or stored
     * before; in the same write (one round trip, one commit) the device is recorded as {@link #upsertDevice} records
     * it, its row made when it has none.
     */
    Future<SeqBlock> takeOverSeq(String deviceId, String deviceName, String deviceModel, int size);

    /**
     * Reserves {@code size} more numbers for the holder of {@code epoch}, right after its block: completes
     * with the new block's last number, or fails as {@link io.relay.vocabulary.FailureReason#SUPERSEDED}
     * when the sequence was taken over meanwhile.
     */
    Future<Long> extendSeq(String deviceId, long epoch, int size);

    /**
     * The holder of {@code epoch} hands back the numbers it reserved past {@code lastHandedOut}, so the next
     * holder goes on from there without a gap. A no-op when the sequence was taken over meanwhile. Written with the
     * node's other writes (group commit, riding with the phone events waiting, as a browser's command does);
     * completes once committed.
     */
    Future<Void> releaseSeq(String deviceId, long epoch, long lastHandedOut);

    /**
     * A phone event's place in its device's log: its name, the epoch of the sequence block it was numbered
     * from, its number, and the number handed out before it (lower than {@code seq - 1} where numbers were
     * skipped: reserved by a holder that never used them). Only the number and epoch are stored; the log
     * knows its own order.
     */
    record LogEntry(String event, long epoch, long seq, long prev) {
    }

    /**
     * A sequence taken over: its {@code epoch}; {@code stored}, the highest number stored when it was taken
     * (the first event numbered from the block names it as the one before); {@code from} to {@code to}, the
     * block (numbers between {@code stored} and {@code from} were reserved before and are skipped).
     */
    record SeqBlock(long epoch, long stored, long from, long to) {
    }

    /** The device's conversations, most recent first. */
    Future<JsonArray> loadConversations(String deviceId);

    /**
     * The device's stored threads as the web app files them (by conversationId, else phone number): the
     * {@code threads} most recently active, most recent first, each its latest {@code perThread} messages,
     * oldest first, with the last status the phone reported.
     */
    Future<java.util.List<JsonArray>> loadThreads(String deviceId, int threads, int perThread);

    /**
     * The newest schema version the migrations applied, read from the database (empty before any).
     * Cheap; used by the readiness check, so it answers only when the database does.
     */
    default Future<Optional<String>> schemaVersion() {
        return Future.failedFuture(new UnsupportedOperationException("schemaVersion is not supported by " + getClass().getSimpleName()));
    }

    /**
     * Queues a browser's command for the phone, idempotent by {@code key} (a send's tempId): false when
     * a command with that key was already queued (it is not queued twice).
     */
    Future<Boolean> enqueueCommand(String deviceId, String key, String event, JsonObject payload);

    /**
     * Stores a browser's command for a phone that is online, as handed over by the hand-over attempt
     * {@code handover} (a UUID), in one write: {@link Delivery#DELIVERED} when the device has no pending
     * command (the caller emits it now; a record whose outcome it never learnt is claimed with
     * {@link #claimCommand} by the same attempt); {@link Delivery#QUEUED}, stored pending, when older commands
     * still wait (the caller hands them all over, in order); {@link Delivery#DUPLICATE} when a command with that
     * key was stored already (idempotent by key, as {@link #enqueueCommand}: nothing stored, nothing to emit).
     */
    Future<Delivery> deliverCommand(String deviceId, String key, String event, JsonObject payload, String handover);

    /** What {@link #deliverCommand} did with a command. */
    enum Delivery {
        /** Stored as delivered by the given attempt: emit it, once. */
        DELIVERED,
        /** Stored pending behind older pending commands: hand the outbox over. */
        QUEUED,
        /** A command with that key was already stored; this one was not. */
        DUPLICATE
    }

    /**
     * The phone's open commands, oldest first, as {@code [{key, event, payload}]}: those never handed
     * to it, and with {@code includeDelivered} also those handed over but not yet confirmed.
     */
    Future<JsonArray> openCommands(String deviceId, boolean includeDelivered);

    /** Records that the phone reported on a command: done, never handed over again. */
    Future<Void> confirmCommand(String deviceId, String key);

    /**
     * Records a command as delivered by the hand-over attempt {@code handover} (a UUID) and answers it as
     * {@code {key, event, payload}} for emitting, when it was pending, or is already delivered by that same
     * attempt (an earlier record whose outcome was unknown), or {@code redeliver} (a phone that confirms
     * commands gets unconfirmed ones again). Empty otherwise: done, expired, absent, or handed over by
     * another attempt.
     */
    Future<Optional<JsonObject>> claimCommand(String deviceId, String key, String handover, boolean redeliver);

    /**
     * Deletes up to {@code limit} settled commands (delivered, done or expired) queued before {@code queuedBefore},
     * oldest first, and completes with how many it deleted. Pending commands are never deleted: they expire first.
     */
    Future<Integer> pruneCommands(Instant queuedBefore, int limit);

    /** Expires commands still undelivered after their time; returns them as {@code [{deviceId, key, event}]}, each once. */
    Future<JsonArray> expireCommands(Instant queuedBefore);

    /**
     * Logged events after {@code since}, oldest first, at most {@code limit}: {@code [{seq, prev, event, payload}]},
     * {@code prev} being the number of the event logged before it (numbers between were never stored: skipped,
     * or their writes failed). The log is pruned from its oldest end only; before the oldest event kept,
     * {@code prev} is the highest number pruned. So when the first event's {@code prev} is at or before
     * {@code since}, the answer holds every stored event after {@code since}; when it is past it, events
     * after {@code since} were pruned.
     */
    Future<JsonArray> eventsSince(String deviceId, long since, int limit);

    /** The highest number stored in the device's log (0 before its first event, or for an unknown device). */
    Future<Long> lastSeq(String deviceId);

    /**
     * A pairing as stored. {@code deviceId}/{@code sessionId}/{@code redeemedAt} are null until a phone scans;
     * {@code deliveredAt} until a browser was handed the session.
     */
    record PairingToken(String token, Instant createdAt, Instant expiresAt, Instant redeemedAt, String deviceId, String sessionId,
                        Instant deliveredAt) {
        public boolean redeemed() {
            return redeemedAt != null;
        }

        public boolean delivered() {
            return deliveredAt != null;
        }
    }

    /**
     * A phone's credential: the SHA-256 of its device secret; whether the phone ever presented it (then
     * it must, always); whether it was already noted as a legacy device.
     */
    record DeviceCredential(byte[] secretHash, boolean bound, boolean legacyNoted) {
    }

    /** The session a pairing handed out: what the browser's token is made of. */
    record ClaimedSession(String sessionId, String deviceId, Instant expiresAt) {
    }

    /** A live browser session as its phone sees it. */
    record SessionSummary(String sessionId, Instant createdAt, Instant lastSeen, Instant expiresAt) {
    }

    /** A browser session as stored; it is valid while not revoked and not expired. */
    record SessionRecord(String sessionId, String deviceId, Instant createdAt, Instant expiresAt, Instant revokedAt) {
        public boolean validAt(Instant now) {
            return revokedAt == null && expiresAt.isAfter(now);
        }
    }
}
