package io.relay.store;

import io.relay.store.Store.PairingToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/** What the store's read statements answer, turned into the typed values of {@link Store}. */
final class StoreRows {
    private StoreRows() {
    }

    static <T> Optional<T> first(RowSet<Row> rows, Function<Row, T> mapper) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.ofNullable(mapper.apply(it.next())) : Optional.empty();
    }

    static PairingToken pairing(Row row) {
        return new PairingToken(row.getString("token"), instant(row, "created_at"), instant(row, "expires_at"),
                instant(row, "redeemed_at"), row.getString("device_id"), row.getString("session_id"), instant(row, "delivered_at"));
    }

    static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    /** Rows of {@link StoreSql#LOAD_THREADS} → one array per thread, with the last status the phone reported. */
    static List<JsonArray> threads(RowSet<Row> rows) {
        List<JsonArray> threads = new ArrayList<>();
        JsonArray thread = null;
        String current = null;
        for (Row row : rows) {
            String key = row.getString("thread");
            if (thread == null || !Objects.equals(key, current)) {
                thread = new JsonArray();
                threads.add(thread);
                current = key;
            }
            JsonObject doc = new JsonObject(row.getString("doc"));
            String status = row.getString("status");
            if (status != null) {
                doc.put("status", status); // keeps the key where the phone put it
            }
            thread.add(doc);
        }
        return threads;
    }
}
