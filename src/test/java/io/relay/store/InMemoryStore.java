package io.relay.store;

import io.relay.store.StoreFailures.BadRequest;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import static io.relay.store.StoreArgs.id;

/**
 * The {@link Store} in memory, for unit tests of the relay's logic that need a store but not PostgreSQL.
 * It keeps the interface's contract as {@link PgStore} does (checked against it by {@code StoreContractTest}):
 * the same argument checks and bad requests, each device's sequence taken over in epochs and reserved in
 * blocks, a log append fenced off once its epoch is not the device's, single-use pairings, enqueue
 * idempotent by key, claims by hand-over attempt. Like PgStore it answers on the caller's context and
 * never before the call returned, so a burst of calls from one task is in flight at once.
 *
 * <p>Not modelled: the database refusing text (NUL, unpaired surrogates), timeouts and outages, the
 * pruning of old events (the log here keeps everything), {@link #schemaVersion()}.
 */
public final class InMemoryStore implements Store {
    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final Map<String, Pairing> pairings = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<String, Map<String, Message>> messages = new LinkedHashMap<>();
    private final Map<String, Map<String, Conversation>> conversations = new LinkedHashMap<>();
    private final InMemoryOutbox outbox = new InMemoryOutbox();
    private final Map<String, TreeMap<Long, JsonObject>> events = new LinkedHashMap<>();

    private static final class Device {
        String name;
        String model;
        byte[] secretHash;
        boolean bound;
        boolean legacyNoted;
        /** The highest number logged. */
        long lastSeq;
        /** The highest number handed to a holder of the sequence (or given back by it). */
        long seqReserved;
        /** The current holder's epoch: only its appends are logged. */
        long seqEpoch;
    }

    private static final class Pairing {
        final String token;
        final String imageId;
        final byte[] secretHash;
        final Instant createdAt = Instant.now();
        final Instant expiresAt;
        Instant redeemedAt;
        String deviceId;
        String sessionId;
        Instant deliveredAt;

        Pairing(String token, String imageId, byte[] secretHash, Instant expiresAt) {
            this.token = token;
            this.imageId = imageId;
            this.secretHash = secretHash;
            this.expiresAt = expiresAt;
        }

        PairingToken row() {
            return new PairingToken(token, createdAt, expiresAt, redeemedAt, deviceId, sessionId, deliveredAt);
        }
    }

    private record Session(String id, String deviceId, Instant createdAt, Instant expiresAt, Instant revokedAt) {
    }

    /** A stored conversation: its document and its last message's time, as the row's columns hold them. */
    private record Conversation(String doc, Long lastMessageTime) {
    }

    private record Message(String thread, Long ts, String status, String doc) {
    }

    @Override
    public Future<Instant> createPairingToken(String token, String imageId, byte[] secretHash, Instant expiresAt) {
        return answer(() -> {
            StoreArgs.uuid(token, "token");
            StoreArgs.uuid(imageId, "imageId");
            StoreArgs.secretHash(secretHash);
            StoreArgs.instant(expiresAt, "expiresAt");
            if (pairings.containsKey(token)) {
                throw new StoreException(FailureReason.INVALID_DATA, "refused by the database"); // the primary key refuses it
            }
            Pairing pairing = new Pairing(token, imageId, secretHash.clone(), expiresAt);
            pairings.put(token, pairing);
            return pairing.createdAt;
        });
    }

    @Override
    public Future<Optional<PairingToken>> findPairingToken(String token) {
        return answer(() -> Optional.ofNullable(pairings.get(token)).map(Pairing::row));
    }

    @Override
    public Future<Optional<PairingToken>> findPairingImage(String imageId) {
        return answer(() -> pairings.values().stream().filter(p -> p.imageId.equals(imageId)).findFirst().map(Pairing::row));
    }

    @Override
    public Future<Optional<ClaimedSession>> claimPairingSession(String token) {
        return answer(() -> Optional.ofNullable(pairings.get(token)).filter(p -> p.redeemedAt != null && p.deliveredAt == null)
                .flatMap(p -> Optional.ofNullable(sessions.get(p.sessionId))
                        .filter(s -> s.deviceId().equals(p.deviceId) && s.revokedAt() == null && s.expiresAt().isAfter(Instant.now()))
                        .map(s -> {
                            p.deliveredAt = Instant.now();
                            return new ClaimedSession(s.id(), s.deviceId(), s.expiresAt());
                        })));
    }

    @Override
    public Future<Optional<PairingToken>> redeemPairingToken(byte[] secretHash, String deviceId, String sessionId, Instant sessionExpiresAt) {
        return answer(() -> {
            StoreArgs.secretHash(secretHash);
            id(deviceId, "deviceId");
            StoreArgs.uuid(sessionId, "sessionId");
            StoreArgs.instant(sessionExpiresAt, "sessionExpiresAt");
            Instant now = Instant.now();
            return pairings.values().stream()
                    .filter(p -> Arrays.equals(p.secretHash, secretHash) && p.redeemedAt == null && p.expiresAt.isAfter(now))
                    .findFirst().map(p -> {
                        p.redeemedAt = now;
                        p.deviceId = deviceId;
                        p.sessionId = sessionId;
                        devices.computeIfAbsent(deviceId, d -> new Device());
                        sessions.put(sessionId, new Session(sessionId, deviceId, now, sessionExpiresAt, null));
                        return p.row();
                    });
        });
    }

    @Override
    public Future<Integer> prunePairingTokens(Instant expiredBefore, int limit) {
        return answer(() -> {
            Instant before = StoreArgs.instant(expiredBefore, "expiredBefore").toInstant();
            List<Pairing> expired = pairings.values().stream().filter(p -> p.expiresAt.isBefore(before))
                    .sorted(Comparator.comparing((Pairing p) -> p.expiresAt)).limit(StoreArgs.limit(limit, "limit")).toList();
            expired.forEach(p -> pairings.remove(p.token));
            return expired.size();
        });
    }

    @Override
    public Future<Void> upsertDevice(String deviceId, String deviceName, String deviceModel) {
        return answer(() -> {
            seen(id(deviceId, "deviceId"), deviceName, deviceModel);
            return null;
        });
    }

    @Override
    public Future<Optional<DeviceCredential>> findDeviceCredential(String deviceId) {
        return answer(() -> Optional.ofNullable(devices.get(id(deviceId, "deviceId"))).filter(d -> d.secretHash != null)
                .map(d -> new DeviceCredential(d.secretHash.clone(), d.bound, d.legacyNoted)));
    }

    @Override
    public Future<Void> bindDeviceSecret(String deviceId) {
        return answer(() -> {
            Optional.ofNullable(devices.get(id(deviceId, "deviceId"))).ifPresent(d -> d.bound = true);
            return null;
        });
    }

    @Override
    public Future<Boolean> noteLegacyDevice(String deviceId) {
        return answer(() -> {
            Device device = devices.get(id(deviceId, "deviceId"));
            if (device == null || device.legacyNoted) {
                return false;
            }
            device.legacyNoted = true;
            return true;
        });
    }

    @Override
    public Future<Boolean> issueDeviceSecret(String deviceId, byte[] secretHash) {
        return answer(() -> {
            StoreArgs.secretHash(secretHash);
            Device device = devices.computeIfAbsent(id(deviceId, "deviceId"), d -> new Device());
            if (device.secretHash != null) {
                return false;
            }
            device.secretHash = secretHash.clone();
            return true;
        });
    }

    @Override
    public Future<List<SessionSummary>> listSessions(String deviceId) {
        return answer(() -> {
            id(deviceId, "deviceId");
            Instant now = Instant.now();
            return sessions.values().stream()
                    .filter(s -> s.deviceId.equals(deviceId) && s.revokedAt == null && s.expiresAt.isAfter(now))
                    .sorted(Comparator.comparing(Session::createdAt).thenComparing(Session::id))
                    .map(s -> new SessionSummary(s.id, s.createdAt, s.createdAt, s.expiresAt)).toList();
        });
    }

    @Override
    public Future<List<String>> revokeSessions(String deviceId, String sessionId) {
        return answer(() -> {
            id(deviceId, "deviceId");
            List<String> revoked = new ArrayList<>();
            Instant now = Instant.now();
            sessions.replaceAll((id, s) -> {
                if (s.deviceId.equals(deviceId) && s.revokedAt == null && (sessionId == null || id.equals(sessionId))) {
                    revoked.add(id);
                    return new Session(s.id, s.deviceId, s.createdAt, s.expiresAt, now);
                }
                return s;
            });
            return revoked;
        });
    }

    @Override
    public Future<Optional<SessionRecord>> findSession(String sessionId) {
        return answer(() -> Optional.ofNullable(sessions.get(sessionId))
                .map(s -> new SessionRecord(s.id, s.deviceId, s.createdAt, s.expiresAt, s.revokedAt)));
    }

    @Override
    public Future<Void> forgetDevice(String deviceId) {
        return answer(() -> {
            String device = id(deviceId, "deviceId");
            messages.remove(device);
            conversations.remove(device);
            events.remove(device);
            outbox.forget(device);
            pairings.values().removeIf(p -> device.equals(p.deviceId));
            sessions.values().removeIf(s -> s.deviceId.equals(device));
            devices.remove(device);
            return null;
        });
    }

    @Override
    public Future<Void> saveMessagesAndLog(String deviceId, JsonArray batch, LogEntry entry, String payloadJson) {
        return answer(() -> {
            id(deviceId, "deviceId");
            List<DocumentBatches.Item> items = DocumentBatches.messageItems(StoreArgs.batch(batch, "messages"), null);
            logged(entry);
            JsonObject payload = new JsonObject(StoreArgs.payload(payloadJson));
            refuseNumberTaken(deviceId, entry);
            refuseSuperseded(deviceId, entry); // the rows are the log's entry (V13): a fenced event stores nothing
            upsertMessages(deviceId, items);
            log(deviceId, entry, payload);
            return null;
        });
    }

    private void upsertMessages(String deviceId, List<DocumentBatches.Item> items) {
        Map<String, Message> stored = messages.computeIfAbsent(deviceId, d -> new LinkedHashMap<>());
        for (DocumentBatches.Item item : items) {
            Object[] c = item.columns();
            String thread = c[0] != null ? (String) c[0] : (String) c[1];
            Message before = stored.get(item.id());
            String status = c[4] != null ? (String) c[4] : before == null ? null : before.status;
            stored.put(item.id(), new Message(thread, (Long) c[2], status, (String) c[6]));
        }
    }

    /** The checks PgStore makes on an entry, in its words. */
    private static LogEntry logged(LogEntry entry) {
        if (entry == null) {
            throw new BadRequest("entry must be given");
        }
        id(entry.event(), "event");
        if (entry.seq() <= 0 || entry.prev() < 0 || entry.prev() >= entry.seq()) {
            throw new BadRequest("entry must have 0 <= prev < seq");
        }
        return entry;
    }

    /** A number logged already would break the log's primary key: PostgreSQL refuses the whole write, messages and all. */
    private void refuseNumberTaken(String deviceId, LogEntry entry) {
        if (holds(deviceId, entry.epoch()) && events.getOrDefault(deviceId, new TreeMap<>()).containsKey(entry.seq())) {
            throw new StoreException(FailureReason.INVALID_DATA, "refused by the database");
        }
    }

    private void refuseSuperseded(String deviceId, LogEntry entry) {
        if (!holds(deviceId, entry.epoch())) {
            throw new StoreFailures.Superseded("not logged: the phone's sequence was taken over by a newer connection (or the device is unknown)");
        }
    }

    private boolean holds(String deviceId, long epoch) {
        Device device = devices.get(deviceId);
        return device != null && device.seqEpoch == epoch;
    }

    /**
     * Appends to the device's log under the entry's number, if its epoch is still the device's; called after
     * the rest of the write is stored, which stays stored either way, as in PgStore's one statement (but for
     * messages: their rows are the entry, and saveMessagesAndLog refuses a fenced one first).
     */
    private void log(String deviceId, LogEntry entry, JsonObject payload) {
        refuseSuperseded(deviceId, entry);
        Device device = devices.get(deviceId);
        device.lastSeq = Math.max(device.lastSeq, entry.seq());
        events.computeIfAbsent(deviceId, d -> new TreeMap<>()).put(entry.seq(), new JsonObject().put("seq", entry.seq())
                .put("event", entry.event()).put("payload", payload.encode()));
    }

    @Override
    public Future<Void> saveConversationsAndLog(String deviceId, JsonArray batch, LogEntry entry, String payloadJson) {
        return answer(() -> {
            String device = id(deviceId, "deviceId");
            logged(entry);
            JsonObject payload = new JsonObject(StoreArgs.payload(payloadJson));
            refuseNumberTaken(device, entry);
            upsertConversations(device, batch);
            log(device, entry, payload);
            return null;
        });
    }

    private void upsertConversations(String deviceId, JsonArray batch) {
        Map<String, Conversation> stored = conversations.computeIfAbsent(deviceId, d -> new LinkedHashMap<>());
        DocumentBatches.conversationRows(StoreArgs.batch(batch, "conversations"), null)
                .forEach((id, c) -> stored.put(id, new Conversation((String) c[4], (Long) c[2])));
    }

    @Override
    public Future<Void> recordStatusAndLog(String deviceId, String messageId, String status, String settles, LogEntry entry,
                                           String payloadJson) {
        return answer(() -> {
            String device = id(deviceId, "deviceId");
            logged(entry);
            JsonObject payload = new JsonObject(StoreArgs.payload(payloadJson));
            String message = id(messageId, "messageId");
            String newStatus = id(status, "status");
            String key = id(settles, "settles");
            refuseNumberTaken(device, entry);
            updateStatus(device, message, newStatus);
            outbox.confirm(device, key);
            log(device, entry, payload);
            return null;
        });
    }

    @Override
    public Future<SeqBlock> takeOverSeq(String deviceId, String deviceName, String deviceModel, int size) {
        return answer(() -> {
            String id = id(deviceId, "deviceId");
            StoreArgs.limit(size, "size"); // refused before anything is written, as one statement is
            Device device = seen(id, deviceName, deviceModel);
            device.seqEpoch++;
            device.seqReserved = Math.max(device.seqReserved, device.lastSeq) + size;
            return new SeqBlock(device.seqEpoch, device.lastSeq, device.seqReserved - size + 1, device.seqReserved);
        });
    }

    /** The device's row, made when it has none, with a name or model given replacing the stored one (as UPSERT_DEVICE). */
    private Device seen(String deviceId, String deviceName, String deviceModel) {
        Device device = devices.computeIfAbsent(deviceId, d -> new Device());
        device.name = deviceName != null ? deviceName : device.name;
        device.model = deviceModel != null ? deviceModel : device.model;
        return device;
    }

    @Override
    public Future<Long> extendSeq(String deviceId, long epoch, int size) {
        return answer(() -> {
            id(deviceId, "deviceId");
            StoreArgs.limit(size, "size");
            if (!holds(deviceId, epoch)) {
                throw new StoreFailures.Superseded("the sequence was taken over");
            }
            Device device = devices.get(deviceId);
            device.seqReserved += size;
            return device.seqReserved;
        });
    }

    @Override
    public Future<Void> releaseSeq(String deviceId, long epoch, long lastHandedOut) {
        return answer(() -> {
            id(deviceId, "deviceId");
            if (holds(deviceId, epoch)) {
                Device device = devices.get(deviceId);
                device.seqReserved = Math.min(device.seqReserved, lastHandedOut);
            }
            return null;
        });
    }

    private void updateStatus(String deviceId, String messageId, String status) {
        Map<String, Message> stored = messages.getOrDefault(deviceId, Map.of());
        Message before = stored.get(messageId);
        if (before != null) {
            stored.put(messageId, new Message(before.thread, before.ts, status, before.doc));
        }
    }

    @Override
    public Future<JsonArray> loadConversations(String deviceId) {
        return answer(() -> {
            Comparator<Map.Entry<String, Conversation>> recentFirst = Comparator.comparing(
                    (Map.Entry<String, Conversation> e) -> e.getValue().lastMessageTime(),
                    Comparator.nullsLast(Comparator.reverseOrder())).thenComparing(Map.Entry::getKey);
            JsonArray docs = new JsonArray();
            conversations.getOrDefault(id(deviceId, "deviceId"), Map.of()).entrySet().stream().sorted(recentFirst)
                    .forEach(e -> docs.add(new JsonObject(e.getValue().doc())));
            return docs;
        });
    }

    @Override
    public Future<List<JsonArray>> loadThreads(String deviceId, int threads, int perThread) {
        return answer(() -> {
            StoreArgs.limit(threads, "threads");
            StoreArgs.limit(perThread, "limit");
            Map<String, List<Map.Entry<String, Message>>> byThread = new LinkedHashMap<>();
            messages.getOrDefault(id(deviceId, "deviceId"), Map.of()).entrySet()
                    .forEach(e -> byThread.computeIfAbsent(e.getValue().thread, t -> new ArrayList<>()).add(e));
            Comparator<Map.Entry<String, Message>> oldestFirst = Comparator.comparing(
                    (Map.Entry<String, Message> e) -> e.getValue().ts, Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(Map.Entry::getKey);
            Comparator<List<Map.Entry<String, Message>>> recentThreadFirst = Comparator.comparing(
                    (List<Map.Entry<String, Message>> t) -> t.stream().map(e -> e.getValue().ts).filter(Objects::nonNull)
                            .max(Comparator.naturalOrder()).orElse(null), Comparator.nullsLast(Comparator.reverseOrder()))
                    .thenComparing(t -> t.get(0).getValue().thread, Comparator.nullsLast(Comparator.naturalOrder()));
            return byThread.values().stream().sorted(recentThreadFirst).limit(threads).map(thread -> {
                List<Map.Entry<String, Message>> sorted = thread.stream().sorted(oldestFirst).toList();
                JsonArray docs = new JsonArray();
                sorted.subList(Math.max(0, sorted.size() - perThread), sorted.size()).forEach(e -> {
                    JsonObject doc = new JsonObject(e.getValue().doc);
                    if (e.getValue().status != null) {
                        doc.put("status", e.getValue().status);
                    }
                    docs.add(doc);
                });
                return docs;
            }).toList();
        });
    }

    @Override
    public Future<Boolean> enqueueCommand(String deviceId, String key, String event, JsonObject payload) {
        return answer(() -> outbox.enqueue(id(deviceId, "deviceId"), id(key, "key"), id(event, "event"), StoreArgs.payload(payload)));
    }

    @Override
    public Future<Delivery> deliverCommand(String deviceId, String key, String event, JsonObject payload, String handover) {
        return answer(() -> outbox.deliver(id(deviceId, "deviceId"), id(key, "key"), id(event, "event"), StoreArgs.payload(payload),
                StoreArgs.uuid(handover, "handover").toString()));
    }

    @Override
    public Future<JsonArray> openCommands(String deviceId, boolean includeDelivered) {
        return answer(() -> outbox.open(id(deviceId, "deviceId"), includeDelivered));
    }

    @Override
    public Future<Void> confirmCommand(String deviceId, String key) {
        return answer(() -> {
            outbox.confirm(id(deviceId, "deviceId"), id(key, "key"));
            return null;
        });
    }

    @Override
    public Future<Optional<JsonObject>> claimCommand(String deviceId, String key, String handover, boolean redeliver) {
        return answer(() -> {
            String device = id(deviceId, "deviceId");
            String claimed = id(key, "key");
            return outbox.claim(device, claimed, StoreArgs.uuid(handover, "handover").toString(), redeliver);
        });
    }

    @Override
    public Future<Integer> pruneCommands(Instant queuedBefore, int limit) {
        return answer(() -> outbox.prune(StoreArgs.instant(queuedBefore, "queuedBefore").toInstant(), StoreArgs.limit(limit, "limit")));
    }

    @Override
    public Future<JsonArray> expireCommands(Instant queuedBefore) {
        return answer(() -> outbox.expire(StoreArgs.instant(queuedBefore, "queuedBefore").toInstant()));
    }

    @Override
    public Future<JsonArray> eventsSince(String deviceId, long since, int limit) {
        return answer(() -> {
            StoreArgs.limit(limit, "limit");
            JsonArray out = new JsonArray();
            TreeMap<Long, JsonObject> log = events.getOrDefault(id(deviceId, "deviceId"), new TreeMap<>());
            // Nothing is pruned here: the event before the first is the last one logged at or before since.
            Long before = log.floorKey(since);
            long[] prev = {before == null ? 0 : before};
            log.tailMap(since, false).values().stream().limit(limit).forEach(e -> {
                out.add(new JsonObject().put("seq", e.getLong("seq")).put("prev", prev[0]).put("event", e.getString("event"))
                        .put("payload", new JsonObject(e.getString("payload"))));
                prev[0] = e.getLong("seq");
            });
            return out;
        });
    }

    @Override
    public Future<Long> lastSeq(String deviceId) {
        return answer(() -> {
            Device device = devices.get(id(deviceId, "deviceId"));
            return device == null ? 0L : device.lastSeq;
        });
    }

    /**
     * Runs {@code operation} under the store's lock and answers on the caller's context in a later task,
     * as the real store does once the database answered; argument problems fail as PgStore's do.
     */
    private <T> Future<T> answer(Supplier<T> operation) {
        Future<T> outcome;
        try {
            T value;
            synchronized (this) {
                value = operation.get();
            }
            outcome = Future.succeededFuture(value);
        } catch (BadRequest e) {
            outcome = Future.failedFuture(new StoreException(FailureReason.INVALID_DATA, StoreFailures.text(e)));
        } catch (StoreFailures.Superseded e) {
            outcome = Future.failedFuture(new StoreException(FailureReason.SUPERSEDED, StoreFailures.text(e)));
        } catch (StoreException e) {
            outcome = Future.failedFuture(e);
        }
        Context caller = Vertx.currentContext();
        if (caller == null) {
            return outcome;
        }
        Promise<T> answered = Promise.promise();
        Future<T> settled = outcome;
        caller.runOnContext(v -> answered.handle(settled));
        return answered.future();
    }
}
