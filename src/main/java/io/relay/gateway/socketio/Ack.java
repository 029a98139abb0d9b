package io.relay.gateway.socketio;

/** The acknowledgement a client asked for; answer it at most once (later calls are ignored). */
@FunctionalInterface
public interface Ack {
    void reply(Object... args);
}
