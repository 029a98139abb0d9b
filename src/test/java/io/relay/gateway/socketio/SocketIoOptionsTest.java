package io.relay.gateway.socketio;

import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("SocketIoOptions")
class SocketIoOptionsTest {

    @Test
    @DisplayName("takes the socket settings, CORS origins and node id from the relay configuration, on /socket.io/")
    void fromConfig() {
        RelayConfig config = TestConfigs.forDatabase(null);
        SocketIoOptions options = SocketIoOptions.from(config);
        assertThat(options.path()).isEqualTo("/socket.io/");
        assertThat(options.pingInterval()).isEqualTo(config.socket().pingInterval());
        assertThat(options.pingTimeout()).isEqualTo(config.socket().pingTimeout());
        assertThat(options.maxPayloadBytes()).isEqualTo(config.socket().maxPayloadBytes());
        assertThat(options.upgradeTimeout()).isEqualTo(config.socket().upgradeTimeout());
        assertThat(options.corsOrigins()).isEqualTo(config.corsOrigins());
        assertThat(options.nodeId()).isEqualTo(config.nodeId());
    }
}
