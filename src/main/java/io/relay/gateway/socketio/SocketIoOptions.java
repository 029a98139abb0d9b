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
 * @param nodeId      prefixed to every Engine.IO socket id (sid)
 * @param attachments what one connection may hold of an unfinished binary packet
 * @param maxOutboundBytes bytes one connection may have waiting to be written to its client
 */
public record SocketIoOptions(String path, Duration pingInterval, Duration pingTimeout, int maxPayloadBytes,
                              Duration upgradeTimeout, List<String> corsOrigins, String nodeId,
                              AttachmentLimits attachments, long maxOutboundBytes) {

    public static final String DEFAULT_PATH = "/socket.io/";

    public SocketIoOptions {
        corsOrigins = List.copyOf(corsOrigins);
        java.util.Objects.requireNonNull(attachments, "attachments");
    }

    /** A generic server: binary accepted within bounds of {@code maxPayloadBytes}, the default outbound bound. */
    public SocketIoOptions(String path, Duration pingInterval, Duration pingTimeout, int maxPayloadBytes,
                           Duration upgradeTimeout, List<String> corsOrigins, String nodeId) {
        this(path, pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, corsOrigins, nodeId,
                AttachmentLimits.bounded(maxPayloadBytes), EngineIoOptions.DEFAULT_MAX_OUTBOUND_BYTES);
    }

    public static SocketIoOptions from(RelayConfig c) {
        RelayConfig.Socket s = c.socket();
        return new SocketIoOptions(DEFAULT_PATH, s.pingInterval(), s.pingTimeout(), s.maxPayloadBytes(),
                s.upgradeTimeout(), c.corsOrigins(), c.nodeId(),
                new AttachmentLimits(s.maxBinaryAttachments(), s.maxBinaryBytes(), s.binaryPacketTimeout()), s.maxOutboundBytes());
    }

    EngineIoOptions engineIo() {
        return new EngineIoOptions(path, pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, corsOrigins, nodeId, maxOutboundBytes);
    }
}
