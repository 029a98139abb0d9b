package io.relay.gateway.engineio;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The heartbeat")
class HeartbeatTest {

    @Test
    @DisplayName("takes a pong as the answer to the ping outstanding once that ping left the server")
    void answers() {
        Heartbeat heartbeat = new Heartbeat();
        heartbeat.pingSent();
        heartbeat.pingDelivered();
        assertThat(heartbeat.acceptPong()).isTrue();
        assertThat(heartbeat.awaitingPong()).isFalse();
    }

    @Test
    @DisplayName("ignores a pong when no ping is outstanding")
    void noPingOutstanding() {
        Heartbeat heartbeat = new Heartbeat();
        assertThat(heartbeat.acceptPong()).isFalse();
        heartbeat.pingSent();
        heartbeat.pingDelivered();
        assertThat(heartbeat.acceptPong()).isTrue();
        assertThat(heartbeat.acceptPong()).as("a second pong for the same ping").isFalse();
        assertThat(heartbeat.ignoredPongs()).isEqualTo(2);
    }

    @Test
    @DisplayName("ignores a pong for a ping still waiting in the server, behind what the client did not read")
    void pingNotDelivered() {
        Heartbeat heartbeat = new Heartbeat();
        heartbeat.pingSent();
        assertThat(heartbeat.acceptPong()).isFalse();
        assertThat(heartbeat.awaitingPong()).as("the ping is still outstanding: its deadline runs").isTrue();
        heartbeat.pingDelivered();
        assertThat(heartbeat.acceptPong()).isTrue();
    }

    @Test
    @DisplayName("does not carry a delivery over to the next ping")
    void deliveryIsPerPing() {
        Heartbeat heartbeat = new Heartbeat();
        heartbeat.pingDelivered(); // no ping outstanding: nothing to mark
        heartbeat.pingSent();
        assertThat(heartbeat.acceptPong()).isFalse();
    }
}
