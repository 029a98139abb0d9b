package io.relay.e2e;

import io.relay.RelayNode;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The phone and web apps, played by the official socket.io-client, through a whole session with a
 * relay node on a real PostgreSQL. The steps and their assertions live in {@code relay-flow.js}.
 */
@DisplayName("A phone paired with browsers, end to end")
class RelayFlowE2ETest {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    private String baseUrl() {
        return relay.url();
    }

    @Test
    @DisplayName("over websocket only, as the apps connect: pairing, every event both ways, two browsers, isolation from another phone, the phone going offline and the sync from storage")
    void websocketOnly() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, baseUrl(), "websocket");
        assertThat(result.getJsonObject("transports").stream().map(e -> e.getValue())).containsOnly("websocket");
    }

    @Test
    @DisplayName("with the client's default transports (polling, then the upgrade to websocket) the same session works the same")
    void pollingThenUpgrade() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, baseUrl(), "default");
        assertThat(result.getJsonObject("transports").stream().map(e -> e.getValue())).containsOnly("websocket");
    }

    @Test
    @DisplayName("across two nodes sharing the event bus and the database: pairing, events and commands reach whichever node the other side is on")
    void acrossTwoNodes() throws Exception {
        RelayNode other = relay.another();
        NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, baseUrl(), "websocket", "http://127.0.0.1:" + other.port());
    }

    @Test
    @DisplayName("what the phone sent is in PostgreSQL: after a restart of the relay a browser's sync returns it all, and the returning phone is reachable again")
    void survivesRestart() throws Exception {
        JsonObject before = NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, baseUrl(), "websocket");
        Path saved = Files.createTempFile("relay-flow", ".json");
        try {
            Files.writeString(saved, before.encode());
            // A new node on the same database: nothing survives in memory, only what was stored.
            relay.restart();
            NodeScript.assertPasses("relay-resync.js", SCRIPT_TIMEOUT, baseUrl(), saved.toString());
        } finally {
            Files.deleteIfExists(saved);
        }
    }
}
