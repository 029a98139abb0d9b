package io.relay.store;

import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The phones' messages and the device event log, the relay's hottest writes. Every phone event of a flush, of any
 * number of devices, goes into one statement: the event's messages appended as rows of their own under the number its
 * phone's node gave it, which is the event's entry in the log too, and the payload of any event that is not exactly
 * its messages appended to device_events; so an event and its messages are stored atomically, in one commit, and a
 * message once (V13).
 */
final class MessageWrites {
    private static final Logger LOG = LoggerFactory.getLogger(MessageWrites.class);
    /** Events kept per device; pruned every {@value #PRUNE_EVERY} appends. */
    static final long EVENT_WINDOW = 10_000;
    private static final long PRUNE_EVERY = 500;
    private static final String REBUILT_HEAD = "{\"messages\":[";
    private static final String REBUILT_TAIL = "]}";

    private MessageWrites() {
    }

    /** A device's event, with the messages it carries (possibly none), appended to the device's log. */
    static final class Save extends Write<Void> {
        final String deviceId;
        final List<DocumentBatches.Item> items;
        final Store.LogEntry entry;
        /** The payload for device_events, or null when the event is exactly its message rows and is rebuilt from them. */
        final String payload;

        /**
         * {@code payload}: the event's payload as a JSON object's text; when its {@code messages} is {@code messages}, each
         * row's document is that element's text.
         */
        Save(String deviceId, JsonArray messages, Store.LogEntry entry, String payload) {
            List<String> texts = messages.isEmpty() ? null : JsonSpans.arrayElements(payload, "messages");
            this.deviceId = deviceId;
            this.items = DocumentBatches.messageItems(messages, texts);
            this.entry = entry;
            // The log rebuilds such an event under the one name the relay gives it.
            boolean rebuilt = Events.MESSAGES_SYNC.equals(entry.event()) && rebuildable(payload, texts, items.size());
            this.payload = rebuilt ? null : payload;
        }

        @Override
        Kind kind() {
            return Kind.MESSAGES;
        }

        @Override
        int rows() {
            return Math.max(1, items.size());
        }
    }

    /**
     * True when {@code payload} is exactly {@code {"messages":[...]}} around the elements' texts, one comma between
     * them, as the phone apps write it (no other member, no white space): what EVENTS_SINCE rebuilds from the rows.
     */
    static boolean rebuildable(String payload, List<String> texts, int items) {
        if (texts == null || texts.isEmpty() || texts.size() != items || !payload.startsWith(REBUILT_HEAD)) {
            return false;
        }
        int at = REBUILT_HEAD.length();
        for (int i = 0; i < texts.size(); i++) {
            if (i > 0 && (at >= payload.length() || payload.charAt(at++) != ',')) {
                return false;
            }
            String text = texts.get(i);
            if (!payload.startsWith(text, at)) {
                return false;
            }
            at += text.length();
        }
        return payload.length() == at + REBUILT_TAIL.length() && payload.startsWith(REBUILT_TAIL, at);
    }

    static final class Batch extends WriteBatch {
        Batch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            return client.preparedQuery(StoreSql.APPEND_MESSAGES_AND_LOG).execute(parameters(Tuple.tuple())).map(bumped -> {
                settle(bumped);
                return null;
            });
        }

        /** The statement's parameters $1..$17, appended to {@code tuple}. */
        Tuple parameters(Tuple tuple) {
            MessageRows rows = new MessageRows();
            int n = writes.size();
            String[] devices = new String[n], events = new String[n], payloads = new String[n];
            Long[] epochs = new Long[n], seqs = new Long[n];
            for (int i = 0; i < n; i++) {
                Save save = (Save) writes.get(i);
                rows.add(save.deviceId, save.entry, save.items);
                devices[i] = save.deviceId;
                events[i] = save.entry.event();
                payloads[i] = save.payload;
                epochs[i] = save.entry.epoch();
                seqs[i] = save.entry.seq();
            }
            return rows.addTo(tuple.addValue(devices).addValue(events).addValue(payloads).addValue(epochs).addValue(seqs));
        }

        /**
         * Answers each write from the (device, epoch) pairs the statement stored: logged when its device's sequence
         * was still at its epoch, else superseded.
         */
        void settle(Iterable<Row> bumped) {
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
