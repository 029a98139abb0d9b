package io.relay.gateway.engineio;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * A Vert.x event-loop context and the thread it runs on. Work for it runs at once when the caller is
 * already on that thread (HTTP requests get duplicated contexts, so comparing contexts would miss
 * this), otherwise it is queued to the context, which keeps its order.
 */
record Affinity(Context context, Thread thread) {

    /** The caller's context; must be called from an event loop. */
    static Affinity current() {
        Context context = Vertx.currentContext();
        if (context == null) {
            throw new IllegalStateException("not on a Vert.x context");
        }
        return new Affinity(context, Thread.currentThread());
    }

    boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    void run(Runnable action) {
        if (isCurrent()) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }
}
