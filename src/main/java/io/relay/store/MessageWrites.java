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
 * rows and, in the same statement, the events appended to their devices' logs under the numbers their
 * phones' nodes gave them, so a batch and its log entry are stored atomically, in one commit.
 */
final class MessageWrites {
    private static final Logger LOG = LoggerFactory.getLogger(MessageWrites.class);
    /** Events kept per device; pruned every {@value #PRUNE_EVERY} appends. */
    static final long EVENT_WINDOW = 10_000;
    private static final long PRUNE_EVERY = 500;

    private MessageWrites() {
    }

    /** A device's batch of messages (possibly none) and the event relaying it, appended to the device's log. */
    static final class Save extends DocumentWrite<Void> {
        final Store.LogEntry entry;
        final String payload;

        /**
         * {@code payload}: the event's payload as a JSON object's text; when its {@code messages} is {@code messages}, each
         * row's document is that element's text.
         */
        Save(String deviceId, JsonArray messages, Store.LogEntry entry, String payload) {
            super(deviceId, DocumentBatches.messageRows(messages,
                    messages.isEmpty() ? null : JsonSpans.arrayElements(payload, "messages")));
            this.entry = entry;
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
            Long[] epochs = new Long[n], seqs = new Long[n];
            for (int i = 0; i < n; i++) {
                Save save = (Save) writes.get(i);
                rows.add(save.deviceId, save.rows);
                devices[i] = save.deviceId;
                events[i] = save.entry.event();
                payloads[i] = save.payload;
                epochs[i] = save.entry.epoch();
                seqs[i] = save.entry.seq();
            }
            Tuple tuple = rows.tuple().addValue(devices).addValue(events).addValue(payloads)
                    .addValue(epochs).addValue(seqs);
            return client.preparedQuery(StoreSql.UPSERT_MESSAGES_AND_LOG).execute(tuple).map(bumped -> {
                settle(bumped);
                return null;
            });
        }

        /** Answers each write: logged when its device's sequence was still at its epoch, else superseded. */
        private void settle(RowSet<Row> bumped) {
            Map<String, Long> epochs = new HashMap<>();
            for (Row row : bumped) {
                epochs.put(row.getString("device_id"), row.getLong("seq_epoch"));
            }
            for (Write<?> w : writes) {
                Save save = (Save) w;
                Long epoch = epochs.get(save.deviceId);
                if (epoch == null || epoch != save.entry.epoch()) {
                    save.stageFailure(new StoreFailures.Superseded("not logged: the phone's sequence was taken over by a newer"
                            + " connection (or the device is unknown)"));
                } else {
                    save.stage(null);
                }
            }
        }

        /** Keeps each log to its window; best effort, in the background, every {@value #PRUNE_EVERY} events. */
        @Override
        void committed(Pool pool) {
            for (Write<?> w : writes) {
                Save save = (Save) w;
                long seq = save.entry.seq();
                if (seq % PRUNE_EVERY == 0 && seq > EVENT_WINDOW) {
                    pool.preparedQuery(StoreSql.PRUNE_EVENTS).execute(Tuple.of(save.deviceId, seq - EVENT_WINDOW))
                            .onFailure(e -> LOG.warn("pruning the event log failed: {}", e.toString()));
                }
            }
        }
    }
}
