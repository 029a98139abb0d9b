package io.relay.pairing;

import io.relay.vocabulary.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * This node's {@code wait-pairing} long-polls by waiter token, and the node's one consumer of QR scans
 * ({@link Addresses#pairingScans()}) that wakes them. A long-poll registers nothing cluster-wide: a
 * registration is a synchronous Hazelcast write, queued behind every other of its event loop.
 */
final class WaitingRoom {

    /** A long-poll: woken by its scan's message, or asked to read its row again. */
    interface Guest {
        void woken();

        void recheck();
    }

    private final Vertx vertx;
    /** By waiter token (a retried long-poll may briefly make two of one token). */
    private final ConcurrentMap<String, Set<Guest>> waiting = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private MessageConsumer<String> scans;
    private Future<Void> hearing;

    WaitingRoom(Vertx vertx) {
        this.vertx = vertx;
    }

    synchronized Future<Void> hearScans() {
        if (hearing == null) {
            scans = listen();
            hearing = scans.completion();
            hearing.onFailure(e -> forgetScans()); // the next long-poll tries again
        }
        return hearing;
    }

    private synchronized void forgetScans() {
        hearing = null;
    }

    /** The new registration first, then the old one goes; every guest reads its row again either way. */
    void rehearScans() {
        MessageConsumer<String> fresh = listen();
        fresh.completion().onComplete(ar -> {
            MessageConsumer<String> old;
            synchronized (this) {
                old = ar.succeeded() ? scans : fresh;
                if (ar.succeeded()) {
                    scans = fresh;
                    hearing = fresh.completion();
                }
            }
            if (old != null) {
                old.unregister();
            }
            waiting.values().forEach(guests -> guests.forEach(Guest::recheck));
        });
    }

    void enter(String token, Guest guest) {
        waiting.computeIfAbsent(token, t -> ConcurrentHashMap.newKeySet()).add(guest);
    }

    void leave(String token, Guest guest) {
        waiting.computeIfPresent(token, (t, guests) -> {
            guests.remove(guest);
            return guests.isEmpty() ? null : guests;
        });
    }

    int size() {
        return waiting.values().stream().mapToInt(Set::size).sum();
    }

    private MessageConsumer<String> listen() {
        return vertx.eventBus().consumer(Addresses.pairingScans(), message -> wake(message.body()));
    }

    private void wake(String token) {
        Set<Guest> guests = token == null ? null : waiting.get(token);
        if (guests != null) {
            guests.forEach(Guest::woken);
        }
    }
}
