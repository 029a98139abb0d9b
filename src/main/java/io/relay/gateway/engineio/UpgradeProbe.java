package io.relay.gateway.engineio;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket asking to take over a polling socket, as engine.io's {@code Socket#_maybeUpgrade}: it answers
 * the client's {@code 2probe} with {@code 3probe} and releases the waiting GET so the client can pause
 * polling; on the client's upgrade packet the socket swaps its transport to the WebSocket.
 * Anything else, or no upgrade within {@code upgradeTimeout}, and the probe is dropped: polling goes on.
 * On the socket's context only.
 */
final class UpgradeProbe {
    private static final Logger log = LoggerFactory.getLogger(UpgradeProbe.class);

    private final EngineIoSocket socket;
    private final PollingTransport polling;
    private final WebSocketTransport probe;
    private final Vertx vertx;
    private long timer;

    UpgradeProbe(EngineIoSocket socket, PollingTransport polling, WebSocketTransport probe) {
        this.socket = socket;
        this.polling = polling;
        this.probe = probe;
        this.vertx = socket.vertx();
        this.timer = vertx.setTimer(socket.options().upgradeTimeout().toMillis(), t -> {
            timer = -1;
            if (socket.isProbe(probe)) {
                log.debug("engine.io upgrade timed out sid={}", socket.id());
                socket.dropProbe();
            }
        });
    }

    WebSocketTransport probe() {
        return probe;
    }

    /** A packet from the client over the probing WebSocket. */
    void onPacket(EngineIoPacket packet) {
        if (packet.type() == EngineIoCodec.PING && "probe".equals(packet.data())) {
            probe.writeUncounted("3probe");
            polling.pause();
        } else if (packet.type() == EngineIoCodec.UPGRADE) {
            complete();
        } else {
            socket.dropProbe();
        }
    }

    /** The client sent the upgrade packet over the probe: a swap, polling ends and the WebSocket takes over. */
    private void complete() {
        cancelTimer();
        polling.releaseGet();
        polling.resume();
        socket.swapTo(probe);
        // The queue's packets move to the WebSocket, counted there in their WebSocket size.
        for (Object packet : polling.takePackets()) {
            if (!socket.isOpen()) {
                break;
            }
            probe.send(packet);
        }
    }

    /** Gives the upgrade up: the probe is closed and polling is no longer paused. */
    void abandon() {
        cancelTimer();
        probe.closeWith(null);
        polling.resume();
    }

    private void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
