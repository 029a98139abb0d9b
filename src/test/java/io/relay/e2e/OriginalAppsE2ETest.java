package io.relay.e2e;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original phone and web apps, unchanged, against a node with the configuration it ships with: each
 * test plays one thing the apps were seen to break on ({@code original-apps.js}, official client), with
 * the web app's own rules for threads and unread counts as the assertions.
 */
@DisplayName("The original apps, unchanged, on the shipped configuration")
class OriginalAppsE2ETest {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withShippedDefaults();

    private JsonObject play(String scenario) throws Exception {
        return NodeScript.assertPasses("original-apps.js", SCRIPT_TIMEOUT, scenario, relay.url());
    }

    @Test
    @DisplayName("the phone app, which never keeps its device secret, registers again after every reconnect and still gets the browser's sends")
    void phoneReconnects() throws Exception {
        assertThat(play("reconnect").getInteger("registrations")).isEqualTo(3);
    }

    @Test
    @DisplayName("a QR is scanned only by a socket registered as the phone it names: nobody plants a session on a phone before it registers")
    void noPlantedSessions() throws Exception {
        assertThat(play("planting").getString("refusal")).contains("mobile:register");
    }

    @Test
    @DisplayName("a reloaded page gets the conversation list, then one messages:sync per conversation (its latest 50, in time order), with the phone offline and with it online; other pages get nothing")
    void syncPerConversation() throws Exception {
        assertThat(play("sync").getInteger("threads")).isEqualTo(3);
    }

    @Test
    @DisplayName("a new SMS is relayed exactly as the phone sent it: no message:new, so the badge shows the phone's unread count")
    void noInventedMessageNew() throws Exception {
        assertThat(play("unread").getInteger("badge")).isEqualTo(1);
    }

    @Test
    @DisplayName("a browser's mark-read then request-sync reach a phone busy pushing a long thread in the order sent, every time")
    void commandsInOrder() throws Exception {
        assertThat(play("order").getInteger("overtaken")).isZero();
    }
}
