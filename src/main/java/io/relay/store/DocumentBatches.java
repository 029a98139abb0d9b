package io.relay.store;

import io.relay.store.StoreFailures.BadRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Turns a batch of phone documents into the rows of one {@code UNNEST} statement.
 *
 * <p>Only {@code id} is required (a non-empty string or a number) and one bad item refuses the whole
 * batch. The other columns are filled when the field is present with the expected type and left null
 * otherwise: the document itself is kept verbatim either way. Messages are appended, each
 * item a row; conversations are upserted, and when an id repeats the last item wins (PostgreSQL refuses to upsert one
 * row twice in a statement).
 *
 * <p>A row's document is the item's text as the phone sent it when the caller has it ({@link JsonSpans}
 * found it in the event's payload), so the row, the log and the browsers hold the same bytes and nothing is
 * encoded again; else the item is encoded.
 */
final class DocumentBatches {
    private DocumentBatches() {
    }

    /** A message of an event, validated: its id and its row's columns (see {@link #messageColumns}). */
    record Item(String id, Object[] columns) {
    }

    /**
     * One event's messages as rows of their own, every item in the array's order, a repeated id included (the event's
     * rows are its entry in the log, see {@link MessageRows}): {@code texts}, when not null, are the items' texts in the
     * array's order (one per item), and each row's document is its item's; else each item is encoded.
     */
    static List<Item> messageItems(JsonArray messages, List<String> texts) {
        boolean verbatim = texts != null && texts.size() == messages.size();
        List<Item> items = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            String id = validId(messages, i, "messages");
            JsonObject item = messages.getJsonObject(i);
            items.add(new Item(id, messageColumns(item, verbatim ? texts.get(i) : item.encode())));
        }
        return items;
    }

    /** One message's row columns after its device id and id: those {@link StoreSql#APPEND_MESSAGES_AND_LOG} stores. */
    private static Object[] messageColumns(JsonObject m, String doc) {
        return new Object[] {idText(m.getValue("conversationId")), string(m, "phoneNumber"), longValue(m.getValue("timestamp")),
                string(m, "type"), string(m, "status"), m.getValue("read") instanceof Boolean b ? b : null, doc};
    }

    /**
     * One device's conversation list, validated and de-duplicated, as the rows of {@link StoreSql#UPSERT_CONVERSATIONS}, id →
     * columns; {@code texts} as for {@link #messageItems}.
     */
    static Map<String, Object[]> conversationRows(JsonArray conversations, List<String> texts) {
        return rows(conversations, "conversations", texts, DocumentBatches::conversationColumns);
    }

    /** One row of {@link StoreSql#UPSERT_CONVERSATIONS}, in its column order after the device id and id. */
    private static Object[] conversationColumns(JsonObject c, String doc) {
        Long count = longValue(c.getValue("unreadCount"));
        Integer unread = count != null && count >= Integer.MIN_VALUE && count <= Integer.MAX_VALUE ? count.intValue() : null;
        return new Object[] {string(c, "phoneNumber"), string(c, "contactName"), longValue(c.getValue("lastMessageTime")), unread, doc};
    }

    private static Map<String, Object[]> rows(JsonArray items, String what, List<String> texts,
                                              BiFunction<JsonObject, String, Object[]> columns) {
        boolean verbatim = texts != null && texts.size() == items.size();
        Map<String, Integer> at = indexById(items, what);
        Map<String, Object[]> rows = new LinkedHashMap<>(Math.max(4, at.size() * 2));
        at.forEach((id, i) -> {
            JsonObject item = items.getJsonObject(i);
            rows.put(id, columns.apply(item, verbatim ? texts.get(i) : item.encode()));
        });
        return rows;
    }

    /** Each id's index in {@code items}, validated; a repeated id keeps its last occurrence, in that position. */
    private static Map<String, Integer> indexById(JsonArray items, String what) {
        Map<String, Integer> at = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String id = validId(items, i, what);
            at.remove(id); // re-insert so the row's position follows its last occurrence
            at.put(id, i);
        }
        return at;
    }

    /** The id of item {@code i}, which must be an object with one. */
    private static String validId(JsonArray items, int i, String what) {
        if (!(items.getValue(i) instanceof JsonObject item)) {
            throw new BadRequest(what + "[" + i + "] is not an object");
        }
        String id = idText(item.getValue("id"));
        if (id == null || id.isEmpty() || id.length() > StoreArgs.MAX_ID_LENGTH) {
            throw new BadRequest(what + "[" + i + "].id must be a non-empty string or a number");
        }
        return id;
    }

    /** Ids may be strings or numbers (Android row ids); stored as text. */
    private static String idText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            return value.toString();
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
        }
        return null;
    }

    private static String string(JsonObject item, String field) {
        return item.getValue(field) instanceof String s ? s : null;
    }

    private static Long longValue(Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) && Math.abs(d) < 9.2e18 ? (long) d : null;
        }
        return null;
    }
}
