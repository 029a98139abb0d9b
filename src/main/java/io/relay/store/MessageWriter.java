package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Group commit for the phones' messages, the relay's hottest write. At most {@code maxInFlight}
 * upserts run at once; batches that arrive meanwhile wait and then go out together, all devices in
 * one multi-row statement, so under load the number of round trips and commits stays flat while the
 * number of phones grows. Every caller is answered only after the statement holding its rows
 * committed. If a group fails, its batches are retried one by one, so a batch the database refuses
 * fails alone.
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

    private record Pending(String deviceId, Map<String, JsonObject> byId, Promise<Void> done) {
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
        Promise<Void> done = Promise.promise();
        queue.add(new Pending(deviceId, byId, done));
        drain();
        return done.future();
    }

    /** Statements executed so far (for tests and metrics). */
    long statements() {
        return statements;
    }

    private void drain() {
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            List<Pending> group = new ArrayList<>();
            int rows = 0;
            while (!queue.isEmpty() && (group.isEmpty() || rows + queue.peek().byId().size() <= MAX_GROUP_ROWS)) {
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
        MessageRows rows = new MessageRows();
        group.forEach(p -> rows.add(p.deviceId(), p.byId()));
        return execute(rows)
                .onSuccess(v -> group.forEach(p -> p.done().tryComplete()))
                .recover(error -> group.size() == 1 ? fail(group.get(0), error) : oneByOne(group));
    }

    private Future<Void> oneByOne(List<Pending> group) {
        List<Future<Void>> each = new ArrayList<>();
        for (Pending p : group) {
            each.add(execute(new MessageRows().add(p.deviceId(), p.byId()))
                    .onSuccess(v -> p.done().tryComplete())
                    .recover(error -> fail(p, error)));
        }
        return Future.join(each).mapEmpty();
    }

    private Future<Void> execute(MessageRows rows) {
        statements++;
        return pool.preparedQuery(StoreSql.UPSERT_MESSAGES).execute(rows.tuple()).mapEmpty();
    }

    private static Future<Void> fail(Pending p, Throwable error) {
        p.done().tryFail(error);
        return Future.succeededFuture();
    }
}
