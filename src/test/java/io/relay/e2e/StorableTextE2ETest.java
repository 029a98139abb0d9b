package io.relay.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Text PostgreSQL cannot store (U+0000, half a surrogate pair) in any field a phone or browser sends:
 * {@code relay-storable-text.js} with the official client against a fresh node.
 */
@DisplayName("Text storage cannot hold")
class StorableTextE2ETest {

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @DisplayName("a NUL or a lone surrogate in any stored field (ids, phone numbers, a send's text, names, nested fields, field names) is refused at validation naming the field, never with the database's words; nothing is stored or relayed; an emoji is stored as sent; a REST deviceId with a NUL is an unknown device (401)")
    void refusedNamingTheField() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-storable-text.js", Duration.ofSeconds(90), relay.url());

        // 22 fields for each of NUL, a lone high and a lone low surrogate.
        assertThat(result.getInteger("refusals")).isEqualTo(66);
        assertThat(result.getJsonArray("sample").getString(0))
                .isEqualTo("Invalid field: messages[0].conversationId (contains U+0000 (NUL), which cannot be stored)");
        assertThat(result.getJsonArray("rest")).isEqualTo(new JsonArray().add(401).add(401).add(401));
    }
}
