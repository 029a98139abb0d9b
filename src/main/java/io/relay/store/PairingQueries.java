package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.UUID;

import static io.relay.store.StoreRequests.requireId;

/**
 * The pairing operations of the {@link PersistenceVerticle}: create, look up (by waiter token or by
 * image handle), redeem (the phone's scan) and claim (the browser's one hand-out). Single use is the
 * database's job: redeeming and claiming are each one conditional {@code UPDATE}, so no lock and no
 * node's memory decides who wins.
 */
final class PairingQueries {
    private final Pool pool;

    PairingQueries(Pool pool) {
        this.pool = pool;
    }

    Future<Void> create(JsonObject r) {
        Tuple args = Tuple.of(StoreRequests.requireUuid(r, StoreOps.TOKEN), StoreRequests.requireUuid(r, StoreOps.IMAGE_ID),
                StoreRequests.requireSecretHash(r), StoreRequests.requireInstant(r, StoreOps.EXPIRES_AT));
        return pool.preparedQuery(StoreSql.CREATE_PAIRING_TOKEN).execute(args).mapEmpty();
    }

    Future<JsonObject> find(JsonObject r) {
        return byUuid(StoreSql.FIND_PAIRING_TOKEN, StoreRequests.uuidOrNull(r, StoreOps.TOKEN));
    }

    Future<JsonObject> findImage(JsonObject r) {
        return byUuid(StoreSql.FIND_PAIRING_IMAGE, StoreRequests.uuidOrNull(r, StoreOps.IMAGE_ID));
    }

    Future<JsonObject> claim(JsonObject r) {
        return byUuid(StoreSql.CLAIM_PAIRING_SESSION, StoreRequests.uuidOrNull(r, StoreOps.TOKEN));
    }

    Future<JsonObject> redeem(JsonObject r) {
        var secretHash = StoreRequests.requireSecretHash(r);
        String deviceId = requireId(r, StoreOps.DEVICE_ID);
        UUID sessionId = StoreRequests.requireUuid(r, StoreOps.SESSION_ID);
        OffsetDateTime sessionExpiresAt = StoreRequests.requireInstant(r, StoreOps.SESSION_EXPIRES_AT);
        return pool.withTransaction(conn -> conn.preparedQuery(StoreSql.REDEEM_PAIRING_TOKEN)
                .execute(Tuple.of(secretHash, deviceId, sessionId))
                .compose(rows -> {
                    JsonObject redeemed = first(rows);
                    if (redeemed == null) {
                        return Future.succeededFuture(null);
                    }
                    return conn.preparedQuery(StoreSql.ENSURE_DEVICE).execute(Tuple.of(deviceId))
                            .compose(v -> conn.preparedQuery(StoreSql.INSERT_SESSION).execute(Tuple.of(sessionId, deviceId, sessionExpiresAt)))
                            .map(v -> redeemed);
                }));
    }

    /** The one row {@code sql} answers for {@code id}; null (no query) when the id is not a UUID. */
    private Future<JsonObject> byUuid(String sql, UUID id) {
        if (id == null) {
            return Future.succeededFuture();
        }
        return pool.preparedQuery(sql).execute(Tuple.of(id)).map(PairingQueries::first);
    }

    private static JsonObject first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? row(it.next()) : null;
    }

    private static JsonObject row(Row row) {
        return new JsonObject()
                .put(StoreOps.TOKEN, row.getString("token"))
                .put(StoreOps.CREATED_AT, instant(row, "created_at"))
                .put(StoreOps.EXPIRES_AT, instant(row, "expires_at"))
                .put(StoreOps.REDEEMED_AT, instant(row, "redeemed_at"))
                .put(StoreOps.DEVICE_ID, row.getString("device_id"))
                .put(StoreOps.SESSION_ID, row.getString("session_id"))
                .put(StoreOps.DELIVERED_AT, instant(row, "delivered_at"));
    }

    private static String instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant().toString();
    }
}
