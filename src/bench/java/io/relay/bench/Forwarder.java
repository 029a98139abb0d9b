package io.relay.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: a raw Vert.x WebSocket forwarder with the same framing as the relay (Engine.IO open
 * packet, Socket.IO CONNECT) and nothing else. A client's first event is {@code ["pair",{"id","role"}]};
 * every later text frame goes verbatim to the other side of that pair. No storage, no event bus, no
 * decoding of the forwarded frames, no heartbeats: the practical ceiling of Vert.x WebSockets here.
 *
 * <p>{@code java -jar relay-bench.jar forwarder [--port P]} (default 3100), one verticle per core like the relay.
 */
public final class Forwarder extends VerticleBase {

    private static final String OPEN = "0{\"sid\":\"forwarder\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}";
    private static final String PAIR_PREFIX = "42[\"pair\"";

    private final int port;
    private final Map<String, ServerWebSocket[]> pairs;
    private final AtomicLong forwarded;
    private HttpServer server;

    Forwarder(int port, Map<String, ServerWebSocket[]> pairs, AtomicLong forwarded) {
        this.port = port;
        this.pairs = pairs;
        this.forwarded = forwarded;
    }

    public static int main(String[] args) {
        int port = 3100;
        for (int i = 0; i < args.length; i++) {
            if ("--port".equals(args[i]) && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else if ("--help".equals(args[i])) {
                System.out.println("Usage: java -jar relay-bench.jar forwarder [--port P]   (default 3100)");
                return 0;
            }
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // the relay's transport
        int listening = start(vertx, port).toCompletionStage().toCompletableFuture().join();
        System.out.println("forwarder listening on ws://127.0.0.1:" + listening + "/socket.io/");
        return -1; // keep running
    }

    /** Deploys one forwarder verticle per core on {@code port}; completes with the port. */
    public static Future<Integer> start(Vertx vertx, int port) {
        Map<String, ServerWebSocket[]> pairs = new ConcurrentHashMap<>();
        AtomicLong forwarded = new AtomicLong();
        return vertx.deployVerticle(() -> new Forwarder(port, pairs, forwarded),
                new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())).map(id -> port);
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("0.0.0.0")
                .setMaxWebSocketFrameSize(1_000_000).setMaxWebSocketMessageSize(1_000_000));
        server.webSocketHandler(this::accept);
        return server.listen();
    }

    private void accept(ServerWebSocket ws) {
        ServerWebSocket[] self = new ServerWebSocket[1]; // the peer's slot, once paired
        String[] pairId = new String[1];
        ws.writeTextMessage(OPEN);
        ws.textMessageHandler(text -> {
            ServerWebSocket peer = self[0];
            if (peer != null) {
                peer.writeTextMessage(text);
                forwarded.incrementAndGet();
                return;
            }
            if (text.equals("40")) {
                ws.writeTextMessage("40{\"sid\":\"" + Integer.toHexString(System.identityHashCode(ws)) + "\"}");
            } else if (text.startsWith(PAIR_PREFIX)) {
                pair(ws, new JsonArray(text.substring(2)).getJsonObject(1), self, pairId);
            } else if (pairId[0] != null) {
                // the peer is not connected yet: resolve late (after a reconnect of the other side)
                ServerWebSocket[] slot = pairs.get(pairId[0].substring(2));
                int other = "phone".equals(role(pairId)) ? 1 : 0;
                if (slot != null && slot[other] != null) {
                    self[0] = slot[other];
                    self[0].writeTextMessage(text);
                }
            }
        });
        ws.closeHandler(v -> {
            if (pairId[0] != null) {
                pairs.computeIfPresent(pairId[0].substring(2), (k, slot) -> {
                    slot[pairId[0].startsWith("p") ? 0 : 1] = null;
                    return slot[0] == null && slot[1] == null ? null : slot;
                });
            }
        });
    }

    private static String role(String[] pairId) {
        return pairId[0].startsWith("p") ? "phone" : "web";
    }

    private void pair(ServerWebSocket ws, io.vertx.core.json.JsonObject request, ServerWebSocket[] self, String[] pairId) {
        String id = request.getString("id");
        boolean phone = "phone".equals(request.getString("role"));
        pairId[0] = (phone ? "p:" : "w:") + id;
        ServerWebSocket[] slot = pairs.computeIfAbsent(id, k -> new ServerWebSocket[2]);
        synchronized (slot) {
            slot[phone ? 0 : 1] = ws;
        }
        ws.writeTextMessage("42[\"paired\",{}]");
        // Phones pair first; a browser resolves its phone now, a phone resolves its browser lazily (above).
        ServerWebSocket peer = slot[phone ? 1 : 0];
        if (peer != null) {
            self[0] = peer;
        }
    }
}
