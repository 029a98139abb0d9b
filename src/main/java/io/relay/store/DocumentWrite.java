package io.relay.store;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A device's batch of documents (messages or conversations) as a write: each document's row columns,
 * encoded on the caller's thread, by id; a repeated id keeps its last version.
 */
abstract class DocumentWrite<T> extends Write<T> {
    final String deviceId;
    /** id → the row's columns (see {@link DocumentBatches}). */
    final Map<String, Object[]> rows;

    DocumentWrite(String deviceId, Map<String, JsonObject> byId, Function<JsonObject, Object[]> columns) {
        this.deviceId = deviceId;
        this.rows = new LinkedHashMap<>(Math.max(4, byId.size() * 2));
        byId.forEach((id, doc) -> rows.put(id, columns.apply(doc)));
    }

    @Override
    int rows() {
        return Math.max(1, rows.size());
    }
}
