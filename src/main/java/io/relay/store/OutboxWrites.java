package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The outbox's writes: browsers' commands queued, delivered straight to an online phone, claimed for
 * handing to the phone, confirmed by it. Each kind is one statement per flush over every device's commands
 * in it.
 */
final class OutboxWrites {
    private OutboxWrites() {
    }

    private static String key(String deviceId, String key) {
        return deviceId + '\u0000' + key;
    }

    /** A browser's command queued for the phone; true unless a command with that key was queued already. */
    static final class Enqueue extends Write<Boolean> {
        final String deviceId;
        final String key;
        final String event;
        final String payload;

        Enqueue(String deviceId, String key, String event, JsonObject payload) {
            this.deviceId = deviceId;
            this.key = key;
            this.event = event;
            this.payload = payload.encode();
        }

        @Override
        Kind kind() {
            return Kind.OUTBOX_ENQUEUE;
        }
    }

    /** A browser's command stored as handed to the online phone by one attempt (see {@link Store#deliverCommand}). */
    static final class Deliver extends Write<Store.Delivery> {
        final String deviceId;
        final String key;
        final String event;
        final String payload;
        final UUID handover;

        Deliver(String deviceId, String key, String event, JsonObject payload, UUID handover) {
            this.deviceId = deviceId;
            this.key = key;
            this.event = event;
            this.payload = payload.encode();
            this.handover = handover;
        }

        @Override
        Kind kind() {
            return Kind.OUTBOX_DELIVER;
        }
    }

    /** A command taken for handing to the phone by one hand-over attempt (see {@link Store#claimCommand}). */
    static final class Claim extends Write<Optional<JsonObject>> {
        final String deviceId;
        final String key;
        final UUID handover;
        final boolean redeliver;

        Claim(String deviceId, String key, UUID handover, boolean redeliver) {
            this.deviceId = deviceId;
            this.key = key;
            this.handover = handover;
            this.redeliver = redeliver;
        }

        @Override
        Kind kind() {
            return Kind.OUTBOX_CLAIM;
        }
    }

    /** The phone reported on a command: done. */
    static final class Confirm extends Write<Void> {
        final String deviceId;
        final String key;

        Confirm(String deviceId, String key) {
            this.deviceId = deviceId;
            this.key = key;
        }

        @Override
        Kind kind() {
            return Kind.OUTBOX_CONFIRM;
        }
    }

    static final class EnqueueBatch extends WriteBatch {
        EnqueueBatch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            int n = writes.size();
            String[] devices = new String[n], keys = new String[n], events = new String[n], payloads = new String[n];
            for (int i = 0; i < n; i++) {
                Enqueue e = (Enqueue) writes.get(i);
                devices[i] = e.deviceId;
                keys[i] = e.key;
                events[i] = e.event;
                payloads[i] = e.payload;
            }
            return client.preparedQuery(StoreSql.ENQUEUE_COMMANDS).execute(WriteBatch.arrays(devices, keys, events, payloads)).map(rows -> {
                // A key queued twice in one statement is inserted once: the first of them is the fresh one.
                Map<String, Boolean> inserted = new HashMap<>();
                rows.forEach(row -> inserted.put(key(row.getString("device_id"), row.getString("key")), true));
                for (Write<?> w : writes) {
                    Enqueue e = (Enqueue) w;
                    e.stage(inserted.remove(key(e.deviceId, e.key)) != null);
                }
                return null;
            });
        }
    }

    static final class DeliverBatch extends WriteBatch {
        DeliverBatch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            return client.preparedQuery(StoreSql.DELIVER_COMMANDS).execute(parameters(Tuple.tuple())).map(rows -> {
                settle(rows);
                return null;
            });
        }

        /** The statement's parameters $1..$5, appended to {@code tuple}. */
        Tuple parameters(Tuple tuple) {
            int n = writes.size();
            String[] devices = new String[n], keys = new String[n], events = new String[n], payloads = new String[n];
            UUID[] handovers = new UUID[n];
            for (int i = 0; i < n; i++) {
                Deliver d = (Deliver) writes.get(i);
                devices[i] = d.deviceId;
                keys[i] = d.key;
                events[i] = d.event;
                payloads[i] = d.payload;
                handovers[i] = d.handover;
            }
            return tuple.addValue(devices).addValue(keys).addValue(events).addValue(payloads).addValue(handovers);
        }

        /** Answers each write from the commands the statement stored ({@code device_id, key, state}). */
        void settle(Iterable<Row> rows) {
            // As with Enqueue: a key twice in one statement is stored once, for the first of them.
            Map<String, Store.Delivery> stored = new HashMap<>();
            rows.forEach(row -> stored.put(key(row.getString("device_id"), row.getString("key")),
                    "delivered".equals(row.getString("state")) ? Store.Delivery.DELIVERED : Store.Delivery.QUEUED));
            for (Write<?> w : writes) {
                Deliver d = (Deliver) w;
                Store.Delivery delivery = stored.remove(key(d.deviceId, d.key));
                d.stage(delivery == null ? Store.Delivery.DUPLICATE : delivery);
            }
        }
    }

    static final class ClaimBatch extends WriteBatch {
        ClaimBatch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            int n = writes.size();
            String[] devices = new String[n], keys = new String[n];
            UUID[] handovers = new UUID[n];
            Boolean[] redeliver = new Boolean[n];
            for (int i = 0; i < n; i++) {
                Claim c = (Claim) writes.get(i);
                devices[i] = c.deviceId;
                keys[i] = c.key;
                handovers[i] = c.handover;
                redeliver[i] = c.redeliver;
            }
            return client.preparedQuery(StoreSql.CLAIM_COMMANDS).execute(WriteBatch.arrays(devices, keys, handovers, redeliver)).map(rows -> {
                // A row is updated once per statement: of two attempts claiming one command, the answer names the winner.
                Map<String, Row> claimed = new HashMap<>();
                rows.forEach(row -> claimed.put(key(row.getString("device_id"), row.getString("key")) + '\u0000' + row.getString("handover"), row));
                for (Write<?> w : writes) {
                    Claim c = (Claim) w;
                    Row row = claimed.remove(key(c.deviceId, c.key) + '\u0000' + c.handover);
                    c.stage(Optional.ofNullable(row).map(r -> new JsonObject().put("key", r.getString("key"))
                            .put("event", r.getString("event")).put("payload", new JsonObject(r.getString("payload")))));
                }
                return null;
            });
        }
    }

    static final class ConfirmBatch extends WriteBatch {
        ConfirmBatch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            int n = writes.size();
            String[] devices = new String[n], keys = new String[n];
            for (int i = 0; i < n; i++) {
                Confirm c = (Confirm) writes.get(i);
                devices[i] = c.deviceId;
                keys[i] = c.key;
            }
            return client.preparedQuery(StoreSql.CONFIRM_COMMANDS).execute(WriteBatch.arrays(devices, keys)).map(done -> {
                writes.forEach(w -> ((Confirm) w).stage(null));
                return null;
            });
        }
    }
}
