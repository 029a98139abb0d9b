package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoOptions;
import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.gateway.engineio.EngineIoServer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.relay.gateway.HttpVerticle;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.List;

/**
 * The server the Engine.IO v4 and Socket.IO v5 protocol test suites expect, built from the relay's
 * own protocol classes (test sources only):
 * <ul>
 *   <li>{@code /engine.io/}: a raw Engine.IO endpoint that echoes every message, text as text and
 *       binary as binary;</li>
 *   <li>{@code /socket.io/}: namespaces {@code /} and {@code /custom}; each socket is sent
 *       {@code auth} with its handshake auth, {@code message} comes back as {@code message-back}
 *       and {@code message-with-ack} is acknowledged with the same arguments.</li>
 * </ul>
 * With the suites' timings: ping interval 300 ms, ping timeout 200 ms, max payload 1,000,000 bytes,
 * connect timeout 1 s, any CORS origin.
 *
 * <p>Run it on its own (port 3000 by default, the suites' URL) to point a copy of the suites at it:
 * {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.relay.gateway.socketio.ConformanceFixture -Dexec.args=3000}.
 */
public final class ConformanceFixture extends VerticleBase {

    public static final Duration PING_INTERVAL = Duration.ofMillis(300);
    public static final Duration PING_TIMEOUT = Duration.ofMillis(200);
    public static final int MAX_PAYLOAD = 1_000_000;
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final int port;
    private HttpServer http;
    private SocketIoServer socketIo;
    private EngineIoServer engineIo;

    /** {@code port} 0 picks a free port; read it back with {@link #port()} once started. */
    public ConformanceFixture(int port) {
        this.port = port;
    }

    @Override
    public Future<?> start() {
        List<String> anyOrigin = List.of("*");
        Duration upgradeTimeout = Duration.ofSeconds(10);

        EngineIoRegistry node = new EngineIoRegistry();
        engineIo = new EngineIoServer(vertx, new EngineIoOptions("/engine.io/", PING_INTERVAL, PING_TIMEOUT,
                MAX_PAYLOAD, upgradeTimeout, anyOrigin, "conformance"), node);
        engineIo.connectionHandler(session -> session
                .messageHandler(session::send)
                .binaryHandler(session::send));

        SocketIoOptions options = new SocketIoOptions("/socket.io/", PING_INTERVAL, PING_TIMEOUT, MAX_PAYLOAD,
                upgradeTimeout, anyOrigin, "conformance");
        socketIo = new SocketIoServer(vertx, options, node).connectTimeout(CONNECT_TIMEOUT);
        socketIo.namespace("/", ConformanceFixture::suiteBehaviour);
        socketIo.namespace("/custom", ConformanceFixture::suiteBehaviour);

        Router router = Router.router(vertx);
        engineIo.mount(router);
        socketIo.mount(router);
        // The relay's server options (strict thread mode): an answer written off the request's thread fails the suites.
        return vertx.createHttpServer(HttpVerticle.serverOptions(EngineIoServer.configure(new HttpServerOptions(), MAX_PAYLOAD)))
                .requestHandler(router)
                .listen(port)
                .onSuccess(server -> http = server);
    }

    @Override
    public Future<?> stop() {
        return Future.all(engineIo.close("server shutting down"), socketIo.close());
    }

    /** The actual port, once started. */
    public int port() {
        return http.actualPort();
    }

    private static void suiteBehaviour(SocketIoSocket socket) {
        socket.emit("auth", socket.auth());
        socket.eventHandler(event -> {
            Object[] args = event.args().getList().toArray();
            switch (event.name()) {
                case "message" -> socket.emit("message-back", args);
                case "message-with-ack" -> event.ackIfWanted(args);
                default -> {
                }
            }
        });
    }

    /** Runs the fixture on its own: {@code ConformanceFixture [port]} (3000 by default). */
    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        Vertx vertx = Vertx.vertx();
        ConformanceFixture fixture = new ConformanceFixture(port);
        vertx.deployVerticle(fixture)
                .onSuccess(id -> System.out.println("conformance fixture listening on http://localhost:" + fixture.port()))
                .onFailure(e -> {
                    e.printStackTrace();
                    vertx.close();
                });
    }
}
