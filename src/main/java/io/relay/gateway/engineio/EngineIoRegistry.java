package io.relay.gateway.engineio;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The open Engine.IO sockets of one node, by id, and how many each remote IP holds. A node makes one and
 * hands it to every {@link EngineIoServer} it runs (one per HTTP verticle instance), so a polling request
 * finds its socket whichever event loop it lands on, and the per-IP cap counts across them all. Two nodes
 * in one JVM (tests, benchmarks) keep two registries and never see each other's sockets.
 *
 * <p>Thread-safe: sockets register on their own event loops and are looked up from any.
 */
public final class EngineIoRegistry {

    private final ConcurrentHashMap<String, EngineIoSocket> sockets = new ConcurrentHashMap<>();
    /** Open sockets per remote IP, kept with {@link #sockets}, for the per-IP connection cap. */
    private final ConcurrentHashMap<String, Integer> perRemote = new ConcurrentHashMap<>();

    /** Engine.IO sockets open on this node for a remote IP (as {@code SocketAddress.hostAddress()} gives it). */
    public int openFrom(String remoteIp) {
        return perRemote.getOrDefault(remoteIp, 0);
    }

    /**
     * Bytes waiting to be written to the clients of every socket of this node: the sum over its sockets of
     * {@link EngineIoSocket#outboundBytes()}. Walks the sockets; for a scrape.
     */
    public long outboundBytes() {
        long total = 0;
        for (EngineIoSocket socket : sockets.values()) {
            total += socket.outboundBytes();
        }
        return total;
    }

    EngineIoSocket lookup(String sid) {
        return sockets.get(sid);
    }

    void add(EngineIoSocket socket) {
        if (sockets.put(socket.id(), socket) == null) {
            hold(socket.remoteAddress());
        }
    }

    void remove(EngineIoSocket socket) {
        if (sockets.remove(socket.id(), socket)) {
            release(socket.remoteAddress());
        }
    }

    /**
     * Counts one more socket of {@code remoteIp}: one {@link #add added}, or one whose upgrade is being answered
     * and that is not added yet (its opener releases it once it is).
     */
    void hold(String remoteIp) {
        perRemote.merge(remoteIp, 1, Integer::sum);
    }

    /** Undoes one {@link #hold}. */
    void release(String remoteIp) {
        perRemote.computeIfPresent(remoteIp, (k, n) -> n <= 1 ? null : n - 1);
    }
}
