package io.relay.store;

import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The message rows of one {@link StoreSql#UPSERT_MESSAGES_AND_LOG} statement, from one or several devices' batches.
 * PostgreSQL refuses to upsert one row twice in a statement, so a repeated (device, id) keeps only
 * its last version, in the position of that last occurrence: the same result as separate statements
 * in arrival order.
 */
final class MessageRows {
    private final Map<String, Row> rows = new LinkedHashMap<>();

    private record Row(String deviceId, String id, Object[] columns) {
    }

    /** Adds a device's validated batch: id → columns (see {@link DocumentBatches#messageColumns}). */
    MessageRows add(String deviceId, Map<String, Object[]> columnsById) {
        for (Map.Entry<String, Object[]> e : columnsById.entrySet()) {
            String key = deviceId + '\u0000' + e.getKey();
            rows.remove(key);
            rows.put(key, new Row(deviceId, e.getKey(), e.getValue()));
        }
        return this;
    }

    Tuple tuple() {
        int n = rows.size();
        String[] devices = new String[n], ids = new String[n], conversationIds = new String[n], phones = new String[n],
                types = new String[n], statuses = new String[n], docs = new String[n];
        Long[] timestamps = new Long[n];
        Boolean[] reads = new Boolean[n];
        int i = 0;
        for (Row row : rows.values()) {
            Object[] c = row.columns();
            devices[i] = row.deviceId();
            ids[i] = row.id();
            conversationIds[i] = (String) c[0];
            phones[i] = (String) c[1];
            timestamps[i] = (Long) c[2];
            types[i] = (String) c[3];
            statuses[i] = (String) c[4];
            reads[i] = (Boolean) c[5];
            docs[i] = (String) c[6];
            i++;
        }
        return Tuple.tuple().addValue(devices).addValue(ids).addValue(conversationIds).addValue(phones)
                .addValue(timestamps).addValue(types).addValue(statuses).addValue(reads).addValue(docs);
    }
}
