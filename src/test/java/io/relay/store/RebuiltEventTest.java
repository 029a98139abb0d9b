package io.relay.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which messages events the store keeps as their rows alone (V13): those the log can rebuild to the very text the phone
 * sent, {@code {"messages":[...]}} around the documents' texts; any other keeps its payload.
 */
@DisplayName("A messages event kept as its rows alone")
class RebuiltEventTest {
    private static final String A = "{\"id\":\"a\",\"body\":\"x, y ]}\"}";
    private static final String B = "{\"id\":2,\"n\":[1,2]}";

    private static boolean rebuildable(String payload) {
        JsonArray messages = new JsonObject(payload).getJsonArray("messages");
        List<String> texts = JsonSpans.arrayElements(payload, "messages");
        return MessageWrites.rebuildable(payload, texts, messages == null ? 0 : messages.size());
    }

    @Test
    @DisplayName("is one written exactly as the apps write it: the one member, no white space, the documents one comma apart")
    void exactlyAsTheAppsWriteIt() {
        assertThat(rebuildable("{\"messages\":[" + A + "]}")).isTrue();
        assertThat(rebuildable("{\"messages\":[" + A + "," + B + "]}")).isTrue();
    }

    @Test
    @DisplayName("is never one with white space, another member, or no message: those keep their payloads")
    void anythingElseKeepsItsPayload() {
        assertThat(rebuildable("{\"messages\": [" + A + "]}")).isFalse();
        assertThat(rebuildable("{\"messages\":[" + A + ", " + B + "]}")).isFalse();
        assertThat(rebuildable("{\"messages\":[" + A + "] }")).isFalse();
        assertThat(rebuildable("{\"messages\":[" + A + "],\"page\":2}")).isFalse();
        assertThat(rebuildable("{\"page\":2,\"messages\":[" + A + "]}")).isFalse();
        assertThat(rebuildable("{\"messages\":[]}")).isFalse();
    }

    @Test
    @DisplayName("is never one whose documents' texts were not cut out of it, as when the payload was encoded again")
    void onlyWithTheTextsOfThePayload() {
        String payload = "{\"messages\":[" + A + "]}";
        assertThat(MessageWrites.rebuildable(payload, null, 1)).isFalse();
        assertThat(MessageWrites.rebuildable(payload, List.of(B), 1)).isFalse();
        assertThat(MessageWrites.rebuildable(payload, List.of(A), 2)).isFalse();
    }
}
