package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The phones' messages and the device event log, the relay's hottest writes. Every message batch and every
 * logged event of a flush, of any number of devices, goes into one statement: the upsert of all message
 * rows and, in the same statement, the events appended to their devices' logs, so a batch is stored and
 * numbered atomically, in one commit.
 */
final class MessageWrites {
    private static final Logger LOG = LoggerFactory.getLogger(MessageWrites.class);
    /** Events kept per device; pruned every {@value #PRUNE_EVERY} appends. */
    static final long EVENT_WINDOW = 10_000;
    private static final long PRUNE_EVERY = 500;

    private MessageWrites() {
    }

    /**
     * A device's batch of messages (possibly none) and the event relaying it, appended to the device's log.
     * Completes with the event's number.
     */
    static final class Save extends DocumentWrite<Long> {
        final String event;
        final String payload;
        /** Its number, once its statement answered. */
        long seq;

        /** {@code payload}: the event's payload as a JSON object's text. */
        Save(String deviceId, JsonArray messages, String event, String payload) {
            super(deviceId, DocumentBatches.messages(messages), DocumentBatches::messageColumns);
            this.event = event;
            this.payload = payload;
        }

        @Override
        Kind kind() {
            return Kind.MESSAGES;
        }
    }

    static final class Batch extends WriteBatch {
        Batch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            MessageRows rows = new MessageRows();
            int n = writes.size();
            String[] devices = new String[n], events = new String[n], payloads = new String[n];
            for (int i = 0; i < n; i++) {
                Save save = (Save) writes.get(i);
                rows.add(save.deviceId, save.rows);
                devices[i] = save.deviceId;
                events[i] = save.event;
                payloads[i] = save.payload;
            }
            Tuple tuple = rows.tuple().addValue(devices).addValue(events).addValue(payloads);
            return client.preparedQuery(StoreSql.UPSERT_MESSAGES_AND_LOG).execute(tuple).map(bumped -> {
                number(bumped);
                return null;
            });
        }

        /** Hands each logged batch its number: a device's events took the range ending at its new last_seq, in arrival order. */
        private void number(RowSet<Row> bumped) {
            Map<String, Long> next = new HashMap<>();
            for (Row row : bumped) {
                next.put(row.getString("device_id"), row.getLong("last_seq") - row.getLong("n") + 1);
            }
            for (Write<?> w : writes) {
                Save save = (Save) w;
                Long seq = next.get(save.deviceId);
                if (seq == null) {
                    save.stageFailure(new StoreFailures.BadRequest("unknown device"));
                } else {
                    next.put(save.deviceId, seq + 1);
                    save.seq = seq;
                    save.stage(seq);
                }
            }
        }

        /** Keeps each log to its window; best effort, in the background, every {@value #PRUNE_EVERY} events. */
        @Override
        void committed(Pool pool) {
            for (Write<?> w : writes) {
                Save save = (Save) w;
                if (save.seq % PRUNE_EVERY == 0 && save.seq > EVENT_WINDOW) {
                    pool.preparedQuery(StoreSql.PRUNE_EVENTS).execute(Tuple.of(save.deviceId, save.seq - EVENT_WINDOW))
                            .onFailure(e -> LOG.warn("pruning the event log failed: {}", e.toString()));
                }
            }
        }
    }
}
