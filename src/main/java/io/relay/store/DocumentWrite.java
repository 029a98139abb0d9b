package io.relay.store;

import java.util.Map;

/**
 * A device's batch of documents (messages or conversations) as a write: each document's row columns,
 * encoded on the caller's thread, by id; a repeated id keeps its last version.
 */
abstract class DocumentWrite<T> extends Write<T> {
    final String deviceId;
    /** id → the row's columns (see {@link DocumentBatches}). */
    final Map<String, Object[]> rows;

    DocumentWrite(String deviceId, Map<String, Object[]> rows) {
        this.deviceId = deviceId;
        this.rows = rows;
    }

    @Override
    int rows() {
        return Math.max(1, rows.size());
    }
}
