package io.relay.gateway.engineio;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Long-polling, as engine.io's {@code lib/transports/polling.ts}: packets wait in a queue for the client's
 * next GET, and its POSTs carry packets in. A GET that came through another node may be answered here and
 * then be lost with that node; the balancer then sends the very same request again, which gets the same
 * packets again. On the socket's context only.
 */
final class PollingTransport implements Transport {
    static final String NAME = "polling";

    private static final Logger log = LoggerFactory.getLogger(PollingTransport.class);
    private static final String CLOSE_PACKET = String.valueOf(EngineIoCodec.CLOSE);
    private static final String NOOP = String.valueOf(EngineIoCodec.NOOP);

    private final EngineIoSocket socket;
    /** Packets waiting for a polling GET: encoded text packets (type first) or binary messages. */
    private final PollingQueue queue;
    private PollResponder pendingGet;
    private boolean flushScheduled;
    /**
     * The last packets handed to a GET, and that GET's {@link PollResponder#requestId()}, until the client's
     * next GET shows it received them. A GET that came through another node can be answered here and then
     * die with that node; the balancer sends the same request (same id) again, which must get them again.
     */
    private String lastGetId;
    private String lastGetPayload;
    /** A WebSocket probe was answered: a GET finding nothing to fetch gets a noop at once, so the client can upgrade. */
    private boolean paused;
    /** A server-side close keeps the socket until the client fetched the close packet. */
    private boolean lingering;

    PollingTransport(EngineIoSocket socket) {
        this.socket = socket;
        this.queue = new PollingQueue(socket.outbound(), CLOSE_PACKET);
    }

    @Override
    public String name() {
        return NAME;
    }

    void onGet(PollResponder responder) {
        if (lingering) {
            pendingGet = responder;
            flush();
            if (queue.isEmpty()) {
                socket.unregister();
            }
            return;
        }
        if (socket.closedOrHeartbeatExpired()) {
            responder.fail(EngineIoServer.UNKNOWN_SID);
            return;
        }
        String requestId = responder.requestId();
        if (requestId != null && requestId.equals(lastGetId)) {
            responder.ok(lastGetPayload); // the answer to this very request was lost on its way: the same packets again
            return;
        }
        // A new request: the client got the previous answer.
        lastGetId = null;
        lastGetPayload = null;
        if (pendingGet != null && pendingGet.forwarded()) {
            // The waiting GET came through another node, which may have died or drained without a word: the
            // balancer then sends the client's GET again, elsewhere. The newer GET wins; the old one gets a noop.
            PollResponder stale = pendingGet;
            pendingGet = null;
            stale.ok(NOOP);
        } else if (pendingGet != null) {
            // Like the reference server: overlapping GETs mean a confused client; end the socket.
            responder.fail(EngineIoServer.BAD_REQUEST);
            socket.closeInternal("transport error", false);
            return;
        }
        pendingGet = responder;
        if (!queue.isEmpty()) {
            flush();
        } else if (paused) {
            pendingGet = null;
            responder.ok(NOOP);
        }
    }

    /** The client dropped the connection of its pending GET: the reference server ends the socket. */
    void onAborted(PollResponder responder) {
        if (pendingGet == responder) {
            pendingGet = null;
            socket.closeInternal("transport close", false);
        }
    }

    void onPost(String body, PollResponder responder) {
        if (socket.closedOrHeartbeatExpired()) {
            responder.fail(EngineIoServer.UNKNOWN_SID);
            return;
        }
        List<EngineIoPacket> packets;
        try {
            packets = EngineIoCodec.decodePayload(body);
        } catch (EngineIoDecodeException e) {
            // The conformance suite expects the POST itself to fail and the socket to be gone.
            log.warn("engine.io parse error sid={} transport=polling: {}", socket.id(), e.getMessage());
            responder.fail(EngineIoServer.BAD_REQUEST);
            socket.closeInternal("parse error", false);
            return;
        }
        responder.respond(200, PollResponder.TEXT_HTML, "ok");
        for (EngineIoPacket packet : packets) {
            socket.onPacket(packet);
            if (!socket.isOpen()) {
                return;
            }
        }
    }

    @Override
    public void send(Object packet) {
        if (!queue.offer(packet)) {
            socket.outboundFull(PollingQueue.payloadBytes(packet));
            return;
        }
        if (pendingGet != null && !flushScheduled) {
            // Flush on the next tick so packets emitted in one burst share one HTTP response.
            flushScheduled = true;
            socket.affinity().context().runOnContext(v -> {
                flushScheduled = false;
                flush();
            });
        }
    }

    private void flush() {
        PollResponder get = pendingGet;
        if (get == null || queue.isEmpty()) {
            return;
        }
        pendingGet = null;
        PollingQueue.Batch batch = queue.drain(EngineIoSocket.PING_PACKET); // the close packet travels alone, see close
        if (batch.carriesPing()) {
            socket.pingDelivered();
        }
        if (get.requestId() != null) {
            lastGetId = get.requestId();
            lastGetPayload = batch.payload();
        }
        // Still counted until the response is written: a client that does not read it holds it in the server.
        get.ok(batch.payload(), () -> socket.released(batch.bytes()));
    }

    /** A GET still waiting is answered with a noop (the client closes, or moves to a WebSocket). */
    void releaseGet() {
        if (pendingGet != null) {
            PollResponder get = pendingGet;
            pendingGet = null;
            get.ok(NOOP);
        }
    }

    /** A WebSocket probe was answered: the waiting GET is released so the client can pause polling and upgrade. */
    void pause() {
        paused = true;
        if (queue.isEmpty()) {
            releaseGet();
        } else {
            flush();
        }
    }

    /** The probe is gone, one way or the other. */
    void resume() {
        paused = false;
    }

    /** The queued packets, for the WebSocket that takes over; the queue forgets them. */
    List<Object> takePackets() {
        List<Object> moving = queue.packets();
        discard();
        return moving;
    }

    @Override
    public void discard() {
        long dropped = queue.clear();
        if (dropped > 0) {
            socket.released(dropped);
        }
    }

    @Override
    public void close(String reason, boolean serverInitiated) {
        if (serverInitiated && (pendingGet == null || !queue.isEmpty())) {
            // Like the reference server, queued packets go first and the close packet in a later
            // response: the client handles a Socket.IO DISCONNECT asynchronously, and would see
            // "transport close" first if both arrived together.
            flush();
            queue.addClose();
            lingering = true;
            socket.vertx().setTimer(socket.options().pingTimeout().toMillis(), t -> {
                discard();
                socket.unregister();
            });
        } else if (pendingGet != null) {
            queue.addClose();
            flush();
            socket.unregister();
        } else {
            discard();
            socket.unregister();
        }
    }
}
