package io.relay.routing;

import io.relay.config.RelayConfig;
import io.relay.store.Store;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * What storage has for a browser that needs a full picture (a page's sync, a resume too far behind):
 * the phone's conversation list and its threads, as the web app files them, current to {@code seq}.
 */
record StoredSync(long seq, JsonArray conversations, List<JsonArray> threads) {

    /** Reads it; the sequence number first, so anything newer is also relayed live. */
    static Future<StoredSync> read(Store store, String deviceId, RelayConfig.Sync bounds) {
        return store.lastSeq(deviceId).compose(seq -> {
            Future<JsonArray> conversations = store.loadConversations(deviceId);
            Future<List<JsonArray>> threads = store.loadThreads(deviceId, bounds.threads(), bounds.messagesPerThread());
            return Future.all(conversations, threads).map(all -> new StoredSync(seq, conversations.result(), threads.result()));
        });
    }

    /**
     * The events that carry it, in order, each stamped with {@code seq}: {@code conversations:sync}, then one
     * {@code messages:sync} per thread (the web app puts a whole payload under its first message's
     * conversation and replaces that thread with it).
     */
    void forEachEvent(BiConsumer<String, JsonObject> emit) {
        emit.accept(Events.CONVERSATIONS_SYNC, new JsonObject().put("conversations", conversations).put(PhoneEvents.SEQ, seq));
        for (JsonArray thread : threads) {
            emit.accept(Events.MESSAGES_SYNC, new JsonObject().put("messages", thread).put(PhoneEvents.SEQ, seq));
        }
    }

    int messages() {
        return threads.stream().mapToInt(JsonArray::size).sum();
    }
}
