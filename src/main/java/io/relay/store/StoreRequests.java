package io.relay.store;

import io.relay.store.StoreFailures.BadRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/** Reads and checks the fields of a store request; every problem is a {@link BadRequest}. */
final class StoreRequests {
    static final int MAX_ID_LENGTH = 255;
    static final int MAX_SECRET_HASH_BYTES = 64;

    private StoreRequests() {
    }

    static JsonObject body(Object body) {
        if (body instanceof JsonObject json) {
            return json;
        }
        throw new BadRequest("the request must be a JSON object");
    }

    /** A non-empty id-like string of at most {@value #MAX_ID_LENGTH} characters. */
    static String requireId(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (!(value instanceof String s) || s.isEmpty()) {
            throw new BadRequest(field + " must be a non-empty string");
        }
        if (s.length() > MAX_ID_LENGTH) {
            throw new BadRequest(field + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        return s;
    }

    static String optionalString(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        throw new BadRequest(field + " must be a string");
    }

    static UUID requireUuid(JsonObject request, String field) {
        UUID uuid = uuidOrNull(request, field);
        if (uuid == null) {
            throw new BadRequest(field + " must be a UUID");
        }
        return uuid;
    }

    /** A UUID, or null when the field is not one (a lookup of a malformed id finds nothing). */
    static UUID uuidOrNull(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (!(value instanceof String s) || s.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static OffsetDateTime requireInstant(JsonObject request, String field) {
        try {
            Instant instant = request.getInstant(field);
            if (instant != null) {
                return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
            }
        } catch (RuntimeException e) {
            // fall through: wrong type or not ISO-8601
        }
        throw new BadRequest(field + " must be an ISO-8601 instant");
    }

    static Buffer requireSecretHash(JsonObject request) {
        byte[] hash;
        try {
            hash = request.getBinary(StoreOps.SECRET_HASH);
        } catch (RuntimeException e) {
            throw new BadRequest(StoreOps.SECRET_HASH + " must be base64");
        }
        if (hash == null || hash.length == 0 || hash.length > MAX_SECRET_HASH_BYTES) {
            throw new BadRequest(StoreOps.SECRET_HASH + " must hold 1 to " + MAX_SECRET_HASH_BYTES + " bytes");
        }
        return Buffer.buffer(hash);
    }

    static int requireLimit(JsonObject request) {
        return requireLimit(request, StoreOps.LIMIT);
    }

    static int requireLimit(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (!(value instanceof Integer limit) || limit < 1 || limit > StoreOps.MAX_LOAD) {
            throw new BadRequest(field + " must be an integer from 1 to " + StoreOps.MAX_LOAD);
        }
        return limit;
    }

    static JsonArray requireBatch(JsonObject request, String field) {
        Object value = request.getValue(field);
        if (!(value instanceof JsonArray array)) {
            throw new BadRequest(field + " must be an array");
        }
        if (array.size() > StoreOps.MAX_BATCH) {
            throw new BadRequest(field + " holds more than " + StoreOps.MAX_BATCH + " items");
        }
        return array;
    }
}
