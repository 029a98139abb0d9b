package io.relay.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Status changes the phones report on their messages: every change of a flush in one statement. */
final class StatusWrites {
    private StatusWrites() {
    }

    /** One message's new status (a no-op if the message was never stored). */
    static final class Update extends Write<Void> {
        final String deviceId;
        final String messageId;
        final String status;

        Update(String deviceId, String messageId, String status) {
            this.deviceId = deviceId;
            this.messageId = messageId;
            this.status = status;
        }

        @Override
        Kind kind() {
            return Kind.STATUSES;
        }
    }

    static final class Batch extends WriteBatch {
        Batch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            // An UPDATE joining one row twice applies only one of them: a repeated message keeps its last status.
            Map<String, Update> last = new LinkedHashMap<>();
            for (Write<?> w : writes) {
                Update u = (Update) w;
                String key = u.deviceId + '\u0000' + u.messageId;
                last.remove(key);
                last.put(key, u);
            }
            int n = last.size();
            String[] devices = new String[n], ids = new String[n], statuses = new String[n];
            int i = 0;
            for (Update u : last.values()) {
                devices[i] = u.deviceId;
                ids[i] = u.messageId;
                statuses[i] = u.status;
                i++;
            }
            return client.preparedQuery(StoreSql.UPDATE_MESSAGE_STATUSES).execute(WriteBatch.arrays(devices, ids, statuses)).map(done -> {
                writes.forEach(w -> ((Update) w).stage(null));
                return null;
            });
        }
    }
}
