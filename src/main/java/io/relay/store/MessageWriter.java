package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Group commit for the phones' messages, the relay's hottest write. At most {@code maxInFlight}
 * upserts run at once; batches that arrive meanwhile wait and then go out together, all devices in
 * one multi-row statement, so under load the number of round trips and commits stays flat while the
 * number of phones grows. The event that relays a batch to the browsers is appended to the device's
 * log in that same statement, so a batch is stored and numbered atomically, in one commit. Every
 * caller is answered only after the statement holding its rows committed. If a group fails, its
 * batches are retried one by one, so a batch the database refuses fails alone.
 *
 * <p>Not thread-safe: used on the persistence verticle's event loop only.
 */
final class MessageWriter {
    /** Rows per statement at most; a bigger single batch still goes out alone. */
    static final int MAX_GROUP_ROWS = 5_000;

    private final Pool pool;
    private final int maxInFlight;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private int inFlight;
    private long statements;

    /** A batch, with the event relaying it ({@code event} null when it is not logged); completes with its seq or null. */
    private record Pending(String deviceId, Map<String, JsonObject> byId, String event, String payload, Promise<Long> done) {
    }

    MessageWriter(Pool pool, int maxInFlight) {
        this.pool = pool;
        this.maxInFlight = Math.max(1, maxInFlight);
    }

    /** Stores a device's batch (validated here, so a malformed batch is refused alone and at once). */
    Future<Void> save(String deviceId, JsonArray messages) {
        Map<String, JsonObject> byId = DocumentBatches.messages(messages);
        if (byId.isEmpty()) {
            return Future.succeededFuture();
        }
        return enqueue(new Pending(deviceId, byId, null, null, Promise.promise())).mapEmpty();
    }

    /**
     * Stores a device's batch and appends {@code event} with {@code payload} to its log, atomically;
     * completes with the event's number. Fails with a bad request, after storing the batch, when the
     * device has no row (phones get one when they register).
     */
    Future<Long> saveAndLog(String deviceId, JsonArray messages, String event, JsonObject payload) {
        Map<String, JsonObject> byId = DocumentBatches.messages(messages);
        return enqueue(new Pending(deviceId, byId, event, payload.encode(), Promise.promise()));
    }

    private Future<Long> enqueue(Pending pending) {
        queue.add(pending);
        drain();
        return pending.done().future();
    }

    /** Statements executed so far (for tests and metrics). */
    long statements() {
        return statements;
    }

    private void drain() {
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            List<Pending> group = new ArrayList<>();
            int rows = 0;
            while (!queue.isEmpty() && group.size() < MAX_GROUP_ROWS
                    && (group.isEmpty() || rows + queue.peek().byId().size() <= MAX_GROUP_ROWS)) {
                Pending next = queue.poll();
                group.add(next);
                rows += next.byId().size();
            }
            inFlight++;
            write(group).onComplete(ar -> {
                inFlight--;
                drain();
            });
        }
    }

    private Future<Void> write(List<Pending> group) {
        return execute(group)
                .recover(error -> group.size() == 1 ? fail(group.get(0), error) : oneByOne(group));
    }

    private Future<Void> oneByOne(List<Pending> group) {
        List<Future<Void>> each = new ArrayList<>();
        for (Pending p : group) {
            each.add(execute(List.of(p)).recover(error -> fail(p, error)));
        }
        return Future.join(each).mapEmpty();
    }

    /** One statement for the group; answers every batch of it once committed. */
    private Future<Void> execute(List<Pending> group) {
        MessageRows rows = new MessageRows();
        List<String> devices = new ArrayList<>(), events = new ArrayList<>(), payloads = new ArrayList<>();
        for (Pending p : group) {
            rows.add(p.deviceId(), p.byId());
            if (p.event() != null) {
                devices.add(p.deviceId());
                events.add(p.event());
                payloads.add(p.payload());
            }
        }
        statements++;
        if (devices.isEmpty()) {
            return pool.preparedQuery(StoreSql.UPSERT_MESSAGES).execute(rows.tuple())
                    .onSuccess(done -> group.forEach(p -> p.done().tryComplete(null)))
                    .mapEmpty();
        }
        Tuple tuple = rows.tuple().addValue(devices.toArray(String[]::new)).addValue(events.toArray(String[]::new))
                .addValue(payloads.toArray(String[]::new));
        return pool.preparedQuery(StoreSql.UPSERT_MESSAGES_AND_LOG).execute(tuple)
                .onSuccess(bumped -> number(group, bumped))
                .mapEmpty();
    }

    /** Hands each logged batch its number: a device's events took the range ending at its new last_seq, in group order. */
    private static void number(List<Pending> group, RowSet<Row> bumped) {
        Map<String, Long> next = new HashMap<>();
        for (Row row : bumped) {
            next.put(row.getString("device_id"), row.getLong("last_seq") - row.getLong("n") + 1);
        }
        for (Pending p : group) {
            if (p.event() == null) {
                p.done().tryComplete(null);
                continue;
            }
            Long seq = next.get(p.deviceId());
            if (seq == null) {
                p.done().tryFail(new StoreFailures.BadRequest("unknown device"));
            } else {
                next.put(p.deviceId(), seq + 1);
                p.done().tryComplete(seq);
            }
        }
    }

    private static Future<Void> fail(Pending p, Throwable error) {
        p.done().tryFail(error);
        return Future.succeededFuture();
    }
}
