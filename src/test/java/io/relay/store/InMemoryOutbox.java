package io.relay.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;

/**
 * The outbox of {@link InMemoryStore}: browsers' commands per phone, queued (or delivered straight to an
 * online phone) once per key, handed to one hand-over attempt, settled or expired, as {@code OutboxWrites} stores them. Arguments come checked;
 * called under the store's lock.
 */
final class InMemoryOutbox {
    private final Map<String, Map<String, Command>> byDevice = new LinkedHashMap<>();

    private static final class Command {
        final String key;
        final String event;
        final String payload;
        final Instant createdAt = Instant.now();
        String state = "pending";
        String handover;

        Command(String key, String event, String payload) {
            this.key = key;
            this.event = event;
            this.payload = payload;
        }

        JsonObject handed() {
            return new JsonObject().put("key", key).put("event", event).put("payload", new JsonObject(payload));
        }
    }

    boolean enqueue(String deviceId, String key, String event, JsonObject payload) {
        Map<String, Command> queued = byDevice.computeIfAbsent(deviceId, d -> new LinkedHashMap<>());
        return queued.putIfAbsent(key, new Command(key, event, payload.encode())) == null;
    }

    Store.Delivery deliver(String deviceId, String key, String event, JsonObject payload, String handover) {
        Map<String, Command> queued = byDevice.computeIfAbsent(deviceId, d -> new LinkedHashMap<>());
        if (queued.containsKey(key)) {
            return Store.Delivery.DUPLICATE;
        }
        boolean behind = queued.values().stream().anyMatch(c -> c.state.equals("pending"));
        Command command = new Command(key, event, payload.encode());
        queued.put(key, command);
        if (behind) {
            return Store.Delivery.QUEUED;
        }
        command.state = "delivered";
        command.handover = handover;
        return Store.Delivery.DELIVERED;
    }

    JsonArray open(String deviceId, boolean includeDelivered) {
        JsonArray open = new JsonArray();
        byDevice.getOrDefault(deviceId, Map.of()).values().stream()
                .filter(c -> c.state.equals("pending") || (includeDelivered && c.state.equals("delivered")))
                .forEach(c -> open.add(c.handed()));
        return open;
    }

    void confirm(String deviceId, String key) {
        Command command = byDevice.getOrDefault(deviceId, Map.of()).get(key);
        if (command != null && (command.state.equals("pending") || command.state.equals("delivered"))) {
            command.state = "done";
        }
    }

    Optional<JsonObject> claim(String deviceId, String key, String handover, boolean redeliver) {
        Command command = byDevice.getOrDefault(deviceId, Map.of()).get(key);
        if (command == null || !(command.state.equals("pending")
                || (command.state.equals("delivered") && (handover.equals(command.handover) || redeliver)))) {
            return Optional.empty();
        }
        command.state = "delivered";
        command.handover = handover;
        return Optional.of(command.handed());
    }

    void forget(String deviceId) {
        byDevice.remove(deviceId);
    }

    int prune(Instant queuedBefore, int limit) {
        List<Map.Entry<String, Command>> settled = new java.util.ArrayList<>();
        byDevice.forEach((deviceId, queued) -> queued.values().stream()
                .filter(c -> !c.state.equals("pending") && c.createdAt.isBefore(queuedBefore))
                .forEach(c -> settled.add(Map.entry(deviceId, c))));
        settled.sort(java.util.Comparator.comparing(e -> e.getValue().createdAt));
        List<Map.Entry<String, Command>> pruned = settled.subList(0, Math.min(limit, settled.size()));
        pruned.forEach(e -> byDevice.get(e.getKey()).remove(e.getValue().key));
        return pruned.size();
    }

    JsonArray expire(Instant queuedBefore) {
        JsonArray expired = new JsonArray();
        byDevice.forEach((deviceId, queued) -> queued.values().stream()
                .filter(c -> c.state.equals("pending") && c.createdAt.isBefore(queuedBefore))
                .forEach(c -> {
                    c.state = "expired";
                    expired.add(new JsonObject().put("deviceId", deviceId).put("key", c.key).put("event", c.event));
                }));
        return expired;
    }
}
