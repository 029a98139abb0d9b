package io.relay.gateway.socketio;

import io.relay.config.RelayConfig;
import io.relay.gateway.engineio.EngineIoOptions;

import java.time.Duration;
import java.util.List;

/**
 * Socket.IO server settings.
 *
 * @param path        mount path with the trailing slash clients use, normally {@code /socket.io/}
 * @param corsOrigins exact origins allowed for polling requests; {@code *} allows any
 * @param nodeId      prefixed to every Engine.IO session id
 */
public record SocketIoOptions(String path, Duration pingInterval, Duration pingTimeout, int maxPayloadBytes,
                              Duration upgradeTimeout, List<String> corsOrigins, String nodeId) {

    public static final String DEFAULT_PATH = "/socket.io/";

    public SocketIoOptions {
        corsOrigins = List.copyOf(corsOrigins);
    }

    public static SocketIoOptions from(RelayConfig c) {
        RelayConfig.Socket s = c.socket();
        return new SocketIoOptions(DEFAULT_PATH, s.pingInterval(), s.pingTimeout(), s.maxPayloadBytes(),
                s.upgradeTimeout(), c.corsOrigins(), c.nodeId());
    }

    EngineIoOptions engineIo() {
        return new EngineIoOptions(path, pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, corsOrigins, nodeId);
    }
}
