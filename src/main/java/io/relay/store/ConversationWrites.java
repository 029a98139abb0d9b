package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The phones' conversation lists: every list of a flush, of any number of devices, upserted by one statement. */
final class ConversationWrites {
    private ConversationWrites() {
    }

    /** A device's conversation list. */
    static final class Save extends DocumentWrite<Void> {
        /** {@code payload}, when not null: the event's payload, whose {@code conversations} give each row's document its text. */
        Save(String deviceId, JsonArray conversations, String payload) {
            super(deviceId, DocumentBatches.conversationRows(conversations,
                    payload == null || conversations.isEmpty() ? null : JsonSpans.arrayElements(payload, "conversations")));
        }

        @Override
        Kind kind() {
            return Kind.CONVERSATIONS;
        }
    }

    static final class Batch extends WriteBatch {
        Batch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            // PostgreSQL refuses to upsert one row twice in a statement: a repeated (device, id) keeps its
            // last version, as separate statements in arrival order would.
            Map<String, Object[]> rows = new LinkedHashMap<>();
            for (Write<?> w : writes) {
                Save save = (Save) w;
                save.rows.forEach((id, columns) -> {
                    String key = save.deviceId + '\u0000' + id;
                    rows.remove(key);
                    rows.put(key, new Object[] {save.deviceId, id, columns});
                });
            }
            int n = rows.size();
            String[] devices = new String[n], ids = new String[n], phones = new String[n], names = new String[n], docs = new String[n];
            Long[] lastTimes = new Long[n];
            Integer[] unread = new Integer[n];
            int i = 0;
            for (Object[] row : rows.values()) {
                Object[] c = (Object[]) row[2];
                devices[i] = (String) row[0];
                ids[i] = (String) row[1];
                phones[i] = (String) c[0];
                names[i] = (String) c[1];
                lastTimes[i] = (Long) c[2];
                unread[i] = (Integer) c[3];
                docs[i] = (String) c[4];
                i++;
            }
            Tuple tuple = Tuple.tuple().addValue(devices).addValue(ids).addValue(phones).addValue(names)
                    .addValue(lastTimes).addValue(unread).addValue(docs);
            return client.preparedQuery(StoreSql.UPSERT_CONVERSATIONS).execute(tuple).map(done -> {
                writes.forEach(w -> ((Save) w).stage(null));
                return null;
            });
        }
    }
}
