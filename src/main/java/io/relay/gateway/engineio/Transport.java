package io.relay.gateway.engineio;

/**
 * How an {@link EngineIoSocket} reaches its client, as engine.io's {@code lib/transport.ts}: long-polling
 * ({@link PollingTransport}) or a WebSocket ({@link WebSocketTransport}). The socket keeps the Engine.IO state
 * (heartbeat, outbound bound, handlers) and swaps its transport on an upgrade ({@link UpgradeProbe}).
 * Called on the socket's context only.
 */
sealed interface Transport permits PollingTransport, WebSocketTransport {

    /** {@code polling} or {@code websocket}, as in the {@code transport} query parameter. */
    String name();

    /**
     * An encoded text packet (type first) or a binary message, to the client, counted in the socket's
     * outbound bytes until written; over the bound the socket is closed instead.
     */
    void send(Object packet);

    /** Forgets what still waits for the client, releasing what it counted. */
    void discard();

    /**
     * The socket closed for {@code reason}: ends the transport and unregisters the socket once the client
     * can fetch nothing more from it.
     */
    void close(String reason, boolean serverInitiated);
}
