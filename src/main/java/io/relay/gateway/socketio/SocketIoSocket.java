package io.relay.gateway.socketio;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/**
 * One Socket.IO client connected to the default namespace {@code /}, whatever its Engine.IO
 * transport (polling, websocket, or polling upgraded to websocket).
 *
 * <p>Threading: every handler is called on the Vert.x context that owns the underlying Engine.IO
 * session, and every method must be called on that context too (use {@link #runOnContext}).
 */
public interface SocketIoSocket {

    /** The Socket.IO socket id sent to the client in the CONNECT answer. */
    String id();

    /** The Engine.IO socket id, sid (it names the node that owns the socket). */
    String engineSessionId();

    /** {@code "polling"} or {@code "websocket"}: the transport in use right now. */
    String transport();

    /** Remote IP address of the client (as seen by this node). */
    String remoteAddress();

    /** The {@code auth} object of the Socket.IO CONNECT packet; empty when the client sent none. */
    JsonObject auth();

    /**
     * Emits an event. Arguments may be {@link JsonObject}, {@link io.vertx.core.json.JsonArray},
     * {@link String}, {@link Number}, {@link Boolean}, {@code null}, or {@link io.vertx.core.buffer.Buffer}
     * (sent as a binary attachment). Silently dropped when the socket is already disconnected.
     */
    void emit(String event, Object... args);

    /**
     * Sends a packet already encoded by {@link SocketIoPackets#encodeEvent} (text, no attachments), so
     * a fan-out to many sockets encodes once.
     */
    void sendEncoded(String packet);

    /** Called for every EVENT packet the client sends to the default namespace. */
    SocketIoSocket eventHandler(Handler<ClientEvent> handler);

    /**
     * Called when the client went past a bound of its connection (e.g. sent a binary packet where none is
     * accepted); the connection is closed right after, so what the handler emits reaches the client first.
     */
    SocketIoSocket limitHandler(Handler<LimitExceeded> handler);

    /**
     * Completes once the connection has room for more: its bytes waiting to be written to the client are
     * at most half its bound (at once when they are). Completes too when the connection closes, so a
     * chain waiting on it ends; later emits are then dropped. For senders of long series (a replay, a sync)
     * that must not overrun the bound of a client that reads more slowly than the server writes.
     */
    io.vertx.core.Future<Void> writable();

    /** Called exactly once when the socket goes, whoever closed it; the argument says why. */
    SocketIoSocket disconnectHandler(Handler<String> handler);

    /**
     * Server-initiated disconnect: sends the Socket.IO DISCONNECT packet, then closes the Engine.IO
     * session. The official client does <em>not</em> reconnect after this ("io server disconnect").
     */
    void disconnect();

    /**
     * Closes the transport without a Socket.IO DISCONNECT, so the official client treats it as a
     * lost connection and reconnects (used when draining a node).
     */
    void closeTransport();

    boolean connected();

    /** Runs {@code action} on the context that owns this socket. */
    void runOnContext(Handler<Void> action);
}
