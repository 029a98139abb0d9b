package io.relay.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The documents' texts inside a payload's text")
class JsonSpansTest {

    @Test
    @DisplayName("each element of the key's array, as written: spaces inside kept, spaces between dropped")
    void elementsAsWritten() {
        String payload = "{ \"messages\" : [ {\"id\":\"a\", \"n\":1e2} ,\n\t{\"id\":\"b\",\"price\":2.50} ] }";
        assertThat(JsonSpans.arrayElements(payload, "messages"))
                .containsExactly("{\"id\":\"a\", \"n\":1e2}", "{\"id\":\"b\",\"price\":2.50}");
    }

    @Test
    @DisplayName("brackets, braces, commas and escaped quotes inside strings, and nested values, do not end an element")
    void stringsAndNesting() {
        String first = "{\"id\":\"x\",\"body\":\"] } , [ { \\\" \\\\\",\"deep\":{\"a\":[1,[2,{\"b\":\"}\"}]],\"c\":null}}";
        String payload = "{\"before\":{\"messages\":[\"decoy\"]},\"messages\":[" + first + ",\"text\",12,-1.5e-3,true,null,[]],\"after\":\"]\"}";
        List<String> texts = JsonSpans.arrayElements(payload, "messages");
        assertThat(texts).containsExactly(first, "\"text\"", "12", "-1.5e-3", "true", "null", "[]");
        assertThat(new JsonObject(texts.get(0))).isEqualTo(new JsonObject(payload).getJsonArray("messages").getJsonObject(0));
    }

    @Test
    @DisplayName("every text decodes to the element the decoder made of the payload, in order")
    void agreesWithTheDecoder() {
        JsonArray messages = new JsonArray();
        for (int i = 0; i < 50; i++) {
            messages.add(new JsonObject().put("id", "m" + i).put("body", "é \"q\" {[" + i + "]}\n").put("ts", 1_700_000_000_000L + i)
                    .put("tags", new JsonArray().add(i).add(new JsonObject().put("k", i % 2 == 0))));
        }
        String payload = new JsonObject().put("messages", messages).put("more", "x").encodePrettily();
        List<String> texts = JsonSpans.arrayElements(payload, "messages");
        assertThat(texts).hasSize(messages.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(new JsonObject(texts.get(i))).isEqualTo(messages.getJsonObject(i));
        }
    }

    @Test
    @DisplayName("an empty array has no elements")
    void empty() {
        assertThat(JsonSpans.arrayElements("{\"messages\":[ ]}", "messages")).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "{\"other\":[1]}",                                   // absent
            "{}",
            "{\"messages\":{\"id\":1}}",                        // not an array
            "{\"messages\":[{\"id\":1}],\"messages\":[{\"id\":2}]}", // twice: the decoder keeps the last
            "{\"m\\u0065ssages\":[{\"id\":1}]}",                 // the key, written with an escape
            "[{\"messages\":[1]}]",                              // not an object
            "{\"messages\":[{\"id\":1}",                         // cut short
            "{\"messages\":[{\"id\":1} {\"id\":2}]}",            // no comma
            "",
    })
    @DisplayName("null (encode the tree instead) where the text is not plainly the key's array")
    void nullWhenNotPlain(String payload) {
        assertThat(JsonSpans.arrayElements(payload, "messages")).isNull();
    }
}
