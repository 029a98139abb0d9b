package io.relay.store;

import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The message rows of one {@link StoreSql#APPEND_MESSAGES_AND_LOG} statement, from one or several events: every item
 * of every event, in order, each under its event's number and its place in the event's array. Nothing is merged: a
 * message sent twice is two rows, the later of which is the message as it stands (V13).
 */
final class MessageRows {
    private final List<Row> rows = new ArrayList<>();

    private record Row(String deviceId, long epoch, long seq, int pos, String id, Object[] columns) {
    }

    /** Adds an event's items (see {@link DocumentBatches#messageItems}), numbered by {@code entry}. */
    MessageRows add(String deviceId, Store.LogEntry entry, List<DocumentBatches.Item> items) {
        for (int pos = 0; pos < items.size(); pos++) {
            DocumentBatches.Item item = items.get(pos);
            rows.add(new Row(deviceId, entry.epoch(), entry.seq(), pos, item.id(), item.columns()));
        }
        return this;
    }

    /** The statement's parameters $6..$17 appended to {@code tuple}. */
    Tuple addTo(Tuple tuple) {
        int n = rows.size();
        String[] devices = new String[n], ids = new String[n], conversationIds = new String[n], phones = new String[n],
                types = new String[n], statuses = new String[n], docs = new String[n];
        Long[] epochs = new Long[n], seqs = new Long[n], timestamps = new Long[n];
        Integer[] positions = new Integer[n];
        Boolean[] reads = new Boolean[n];
        for (int i = 0; i < n; i++) {
            Row row = rows.get(i);
            Object[] c = row.columns();
            devices[i] = row.deviceId();
            epochs[i] = row.epoch();
            seqs[i] = row.seq();
            positions[i] = row.pos();
            ids[i] = row.id();
            conversationIds[i] = (String) c[0];
            phones[i] = (String) c[1];
            timestamps[i] = (Long) c[2];
            types[i] = (String) c[3];
            statuses[i] = (String) c[4];
            reads[i] = (Boolean) c[5];
            docs[i] = (String) c[6];
        }
        return tuple.addValue(devices).addValue(epochs).addValue(seqs).addValue(positions).addValue(ids).addValue(conversationIds)
                .addValue(phones).addValue(timestamps).addValue(types).addValue(statuses).addValue(reads).addValue(docs);
    }
}
