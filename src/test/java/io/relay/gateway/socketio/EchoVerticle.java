package io.relay.gateway.socketio;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.relay.gateway.HttpVerticle;
import io.relay.gateway.engineio.EngineIoRegistry;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.List;

/**
 * A test HTTP verticle with an echo behaviour: {@code echo} comes back as {@code echo-back} with the
 * same arguments, acknowledgements are answered with the event's arguments, {@code kick} makes the
 * server disconnect the socket, {@code flood [n, size]} makes it emit {@code n} events {@code chunk}
 * of {@code size} characters at once, {@code paced [n, size]} the same, each waiting for
 * {@link SocketIoSocket#writable()}. Every disconnect reason lands in {@link #DISCONNECTS}.
 */
final class EchoVerticle extends VerticleBase {

    private final SocketIoOptions options;
    private final int port;
    private final EngineIoRegistry node;
    private SocketIoServer server;

    /** @param node the open sockets of the node this instance belongs to: instances on one port share one */
    EchoVerticle(SocketIoOptions options, int port, EngineIoRegistry node) {
        this.options = options;
        this.port = port;
        this.node = node;
    }

    static SocketIoOptions options(Duration pingInterval, Duration pingTimeout, int maxPayload) {
        return new SocketIoOptions("/socket.io/", pingInterval, pingTimeout, maxPayload, Duration.ofSeconds(10),
                List.of("http://allowed.example"), "node1");
    }

    /** Reasons of the sockets that went, in order, for tests that need to know why. */
    static final java.util.Queue<String> DISCONNECTS = new java.util.concurrent.ConcurrentLinkedQueue<>();

    static void echo(SocketIoSocket socket) {
        socket.disconnectHandler(DISCONNECTS::add);
        socket.eventHandler(event -> {
            Object[] args = event.args().getList().toArray();
            switch (event.name()) {
                case "echo" -> socket.emit("echo-back", args);
                case "kick" -> socket.disconnect();
                case "paced" -> {
                    String chunk = "x".repeat(event.args().getInteger(1));
                    Future<Void> sent = Future.succeededFuture();
                    for (int i = 0; i < event.args().getInteger(0); i++) {
                        sent = sent.compose(v -> socket.writable()).onSuccess(v -> socket.emit("chunk", chunk));
                    }
                }
                case "flood" -> {
                    String chunk = "x".repeat(event.args().getInteger(1));
                    for (int i = 0; i < event.args().getInteger(0); i++) {
                        socket.emit("chunk", chunk);
                    }
                }
                default -> {
                }
            }
            event.ackIfWanted(args);
        });
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        server = new SocketIoServer(vertx, options, node);
        server.connectionHandler(EchoVerticle::echo);
        server.mount(router);
        // Started as the relay's HTTP verticle does: it also serves polling forwarded from other nodes.
        return server.start().compose(v -> vertx.createHttpServer(HttpVerticle.serverOptions(SocketIoServer.configure(new HttpServerOptions(), options)))
                .requestHandler(router)
                .listen(port));
    }

    @Override
    public Future<?> stop() {
        return server.close();
    }
}
