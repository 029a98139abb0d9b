package io.relay.routing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Storable text")
class StorableTextTest {

    @Test
    @DisplayName("refuses U+0000 and unpaired surrogates anywhere in a string; accepts other text, pairs (emoji) and other control characters")
    void problems() {
        assertThat(StorableText.problem("a\u0000")).contains("U+0000");
        assertThat(StorableText.problem("\ud83d")).contains("unpaired");
        assertThat(StorableText.problem("\ude00x")).contains("unpaired");
        assertThat(StorableText.problem("\ude00\ud83d")).as("a pair in the wrong order").contains("unpaired");
        assertThat(StorableText.problem("x\ud83d\ud83d\ude00")).as("a high surrogate before a pair").contains("unpaired");
        assertThat(StorableText.problem("")).isNull();
        assertThat(StorableText.problem("see you \ud83d\ude00, caf\u00e9 \u4f60\u597d \t\n\u0001")).isNull();
    }

    @Test
    @DisplayName("names the first refused string of a payload by its path, and a refused field name by where it sits")
    void paths() {
        JsonObject payload = new JsonObject().put("messages", new JsonArray()
                .add(new JsonObject().put("id", "ok").put("meta", new JsonObject().put("tags", new JsonArray().add("x").add("a\u0000"))))
                .add(new JsonObject().put("phoneNumber", "\ud800")));
        assertThat(StorableText.refusal(payload)).isEqualTo("Invalid field: messages[0].meta.tags[1] (contains U+0000 (NUL), which cannot be stored)");
        assertThat(StorableText.refusal(new JsonObject().put("a\u0000", 1))).startsWith("Invalid field name (contains U+0000");
        assertThat(StorableText.refusal(new JsonObject().put("x", new JsonObject().put("\udc00", 1)))).startsWith("Invalid field name in x (");
        assertThat(StorableText.refusal(new JsonObject().put("body", "fine \ud83d\ude00").put("n", 1).putNull("z"))).isNull();
    }

    @Test
    @DisplayName("a payload whose frame text has no backslash-u escape is storable as it stands; one with an escape is walked and refused by path")
    void payloadsFromFrames() {
        for (String text : new String[] {"[\"e\",{\"body\":\"a\\u0000b\"}]", "[\"e\",{\"body\":\"a\\ud83db\"}]"}) {
            JsonObject payload = new io.vertx.core.json.JsonArray(text).getJsonObject(1);
            assertThatThrownBy(() -> Payloads.object(payload, "e", text)).isInstanceOf(EventRejected.class).hasMessageStartingWith("Invalid field: body (");
            assertThatThrownBy(() -> Payloads.object(payload, "e", null)).isInstanceOf(EventRejected.class).hasMessageStartingWith("Invalid field: body (");
        }
        String fine = "[\"e\",{\"body\":\"caf\u00e9 \ud83d\ude00 \\\"q\\\"\"}]";
        JsonObject payload = new io.vertx.core.json.JsonArray(fine).getJsonObject(1);
        assertThat(Payloads.object(payload, "e", fine)).isSameAs(payload);
    }

    @Test
    @DisplayName("quotes a client's field names printable and bounded, never splitting a surrogate pair")
    void pathsBounded() {
        String longKey = "k".repeat(39) + "\ud83d\ude00" + "k".repeat(100);
        String refusal = StorableText.refusal(new JsonObject().put(longKey, "\u0000").put("\u0001", "x"));
        assertThat(refusal).startsWith("Invalid field: " + "k".repeat(39) + "... (");
        assertThat(StorableText.refusal(new JsonObject().put("a\u0001b", "\u0000"))).startsWith("Invalid field: a?b (");
        JsonObject deep = new JsonObject();
        JsonObject at = deep;
        for (int i = 0; i < 50; i++) {
            JsonObject next = new JsonObject();
            at.put("level" + i, next);
            at = next;
        }
        at.put("v", "\u0000");
        assertThat(StorableText.refusal(deep).length()).isLessThan(200);
    }
}
