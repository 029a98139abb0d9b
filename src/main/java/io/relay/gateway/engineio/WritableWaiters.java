package io.relay.gateway.engineio;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Senders pacing themselves to a client that reads more slowly than the server writes: each waits until at
 * most half of the socket's {@link OutboundBytes} bound is taken (or the socket closed), instead of running
 * into the bound. Bytes are released on any thread; waiters are kept and woken on the socket's context.
 */
final class WritableWaiters {

    private final OutboundBytes outbound;
    private final Affinity affinity;
    private final BooleanSupplier closed;
    private List<Promise<Void>> waiting;

    WritableWaiters(OutboundBytes outbound, Affinity affinity, BooleanSupplier closed) {
        this.outbound = outbound;
        this.affinity = affinity;
        this.closed = closed;
    }

    /** Completes once there is room (at once when so), or when the socket closes. */
    Future<Void> writable() {
        if (!affinity.isCurrent()) {
            Promise<Void> hop = Promise.promise();
            affinity.context().runOnContext(v -> writable().onComplete(hop));
            return hop.future();
        }
        if (closed.getAsBoolean() || outbound.hasRoom()) {
            return Future.succeededFuture();
        }
        Promise<Void> waiter = Promise.promise();
        if (waiting == null) {
            waiting = new ArrayList<>(2);
        }
        waiting.add(waiter);
        return waiter.future();
    }

    /** Bytes written or dropped, on any thread; wakes the waiters when that made room. */
    void released(long bytes) {
        if (outbound.release(bytes)) {
            affinity.run(this::wake);
        }
    }

    /** Completes the waiters when there is room or the socket closed; on the socket's context. */
    void wake() {
        List<Promise<Void>> woken = waiting;
        if (woken == null || !(closed.getAsBoolean() || outbound.hasRoom())) {
            return;
        }
        waiting = null;
        woken.forEach(Promise::tryComplete);
    }
}
