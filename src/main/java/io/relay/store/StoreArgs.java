package io.relay.store;

import io.relay.store.StoreFailures.BadRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * The checks {@link PgStore} makes on its arguments before they reach the database: cheap, on the
 * caller's thread, and each problem a {@link BadRequest} (answered as {@code 400}, never retried).
 */
final class StoreArgs {
    static final int MAX_ID_LENGTH = 255;
    static final int MAX_SECRET_HASH_BYTES = 64;

    private StoreArgs() {
    }

    /** A non-empty id-like string of at most {@value #MAX_ID_LENGTH} characters. */
    static String id(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new BadRequest(name + " must be a non-empty string");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new BadRequest(name + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        return value;
    }

    static UUID uuid(String value, String name) {
        UUID uuid = uuidOrNull(value);
        if (uuid == null) {
            throw new BadRequest(name + " must be a UUID");
        }
        return uuid;
    }

    /** A UUID, or null when the text is not one (a lookup of a malformed id finds nothing). */
    static UUID uuidOrNull(String value) {
        if (value == null || value.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static OffsetDateTime instant(Instant value, String name) {
        if (value == null) {
            throw new BadRequest(name + " must be an instant");
        }
        return OffsetDateTime.ofInstant(value, ZoneOffset.UTC);
    }

    static Buffer secretHash(byte[] hash) {
        if (hash == null || hash.length == 0 || hash.length > MAX_SECRET_HASH_BYTES) {
            throw new BadRequest("secretHash must hold 1 to " + MAX_SECRET_HASH_BYTES + " bytes");
        }
        return Buffer.buffer(hash);
    }

    static int limit(int value, String name) {
        if (value < 1 || value > Store.MAX_LOAD) {
            throw new BadRequest(name + " must be an integer from 1 to " + Store.MAX_LOAD);
        }
        return value;
    }

    static JsonArray batch(JsonArray items, String name) {
        if (items == null) {
            throw new BadRequest(name + " must be an array");
        }
        if (items.size() > Store.MAX_BATCH) {
            throw new BadRequest(name + " holds more than " + Store.MAX_BATCH + " items");
        }
        return items;
    }

    /** A payload already encoded: a JSON object's text (the database checks it is JSON as it stores it). */
    static String payload(String payloadJson) {
        if (payloadJson == null || !payloadJson.startsWith("{")) {
            throw new BadRequest("payload must be an object");
        }
        return payloadJson;
    }

    static JsonObject payload(JsonObject payload) {
        if (payload == null) {
            throw new BadRequest("payload must be an object");
        }
        return payload;
    }
}
