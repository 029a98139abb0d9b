package io.relay.gateway.engineio;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Engine.IO server settings.
 *
 * @param path            mount path, with the trailing slash clients use ({@code /socket.io/})
 * @param corsOrigins     exact origins allowed for polling requests; {@code *} allows any
 * @param nodeId          prefixed to every session id so the cluster can route a polling request to the owner
 * @param maxOutboundBytes bytes one session may have waiting to be written to its client (see {@link OutboundBytes})
 */
public record EngineIoOptions(String path, Duration pingInterval, Duration pingTimeout, int maxPayloadBytes,
                              Duration upgradeTimeout, List<String> corsOrigins, String nodeId, long maxOutboundBytes) {

    /** 8 MiB: eight of the largest messages Socket.IO allows by default. */
    public static final long DEFAULT_MAX_OUTBOUND_BYTES = 8L * 1024 * 1024;

    public EngineIoOptions(String path, Duration pingInterval, Duration pingTimeout, int maxPayloadBytes,
                           Duration upgradeTimeout, List<String> corsOrigins, String nodeId) {
        this(path, pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, corsOrigins, nodeId, DEFAULT_MAX_OUTBOUND_BYTES);
    }

    public EngineIoOptions {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(pingTimeout, "pingTimeout");
        Objects.requireNonNull(upgradeTimeout, "upgradeTimeout");
        Objects.requireNonNull(nodeId, "nodeId");
        corsOrigins = List.copyOf(corsOrigins);
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive");
        }
        if (maxOutboundBytes <= 0) {
            throw new IllegalArgumentException("maxOutboundBytes must be positive");
        }
    }

    public boolean originAllowed(String origin) {
        return origin != null && (corsOrigins.contains("*") || corsOrigins.contains(origin));
    }
}
