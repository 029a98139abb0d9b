package io.relay.gateway.socketio;

/**
 * The reasons handed to {@link SocketIoSocket#disconnectHandler}, and what the official client does
 * after each: most are a lost connection it recovers from by reconnecting; only a server-side
 * {@link SocketIoSocket#disconnect()} makes it stop ("io server disconnect" on its side).
 */
public final class DisconnectReason {

    /** The client left the namespace ({@code socket.disconnect()} on its side). Client: stops. */
    public static final String CLIENT_NAMESPACE_DISCONNECT = "client namespace disconnect";
    /** {@link SocketIoSocket#disconnect()}. Client: stops, sees "io server disconnect". */
    public static final String SERVER_NAMESPACE_DISCONNECT = "server namespace disconnect";
    /** The client closed the connection or the transport dropped. Client: reconnects if it wants to. */
    public static final String TRANSPORT_CLOSE = "transport close";
    /** The transport failed (e.g. a frame over maxPayload, overlapping polls). Client: reconnects. */
    public static final String TRANSPORT_ERROR = "transport error";
    /** No pong within pingTimeout. Client: reconnects. */
    public static final String PING_TIMEOUT = "ping timeout";
    /** The client sent a malformed packet; the connection was closed. Client: reconnects. */
    public static final String PARSE_ERROR = "parse error";
    /** The client sent a binary packet where none is accepted (see {@link AttachmentLimits}). Client: reconnects. */
    public static final String BINARY_REFUSED = "binary refused";
    /** The client's binary packet went past {@link AttachmentLimits} (count, bytes or time). Client: reconnects. */
    public static final String ATTACHMENTS_OVER_LIMIT = "attachments over limit";
    /**
     * More bytes waited to be written to the client than its bound allows: it does not read (or not
     * fast enough). The transport is dropped at once. Client: reconnects, and resumes from its sequence.
     */
    public static final String OUTBOUND_FULL = io.relay.gateway.engineio.EngineIoSocket.OUTBOUND_FULL;
    /** {@link SocketIoSocket#closeTransport()} (e.g. draining a node). Client: reconnects. */
    public static final String FORCED_SERVER_CLOSE = "forced server close";
    /** {@link SocketIoServer#close()}. Client: reconnects, to another node. */
    public static final String SERVER_SHUTTING_DOWN = "server shutting down";

    private DisconnectReason() {
    }
}
