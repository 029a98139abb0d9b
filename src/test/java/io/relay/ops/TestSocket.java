package io.relay.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bare Socket.IO client over one WebSocket, for tests that need a phone or browser on the wire
 * without Node: connects to namespace {@code /}, answers pings, emits events and waits for them.
 * Blocking: use it from the test thread, never from an event loop.
 */
final class TestSocket implements AutoCloseable {
    private final WebSocketClient client;
    private final WebSocket ws;
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();

    private TestSocket(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.textMessageHandler(text -> {
            if (text.equals("2")) {
                ws.writeTextMessage("3");
            } else {
                frames.add(text);
            }
        });
    }

    static TestSocket connect(Vertx vertx, int port) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient();
        ClientWebSocket ws = client.webSocket();
        TestSocket socket = new TestSocket(client, ws); // handlers before connecting, so the open packet cannot slip past
        await(ws.connect(port, "127.0.0.1", "/socket.io/?EIO=4&transport=websocket"));
        assertThat(socket.nextFrame()).startsWith("0{");
        socket.ws.writeTextMessage("40");
        assertThat(socket.nextFrame()).startsWith("40{");
        return socket;
    }

    void emit(String event, JsonObject payload) {
        ws.writeTextMessage("42" + new JsonArray().add(event).add(payload).encode());
    }

    /** The arguments of the next {@code event} the server sends (other events are skipped). */
    JsonArray await(String event) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String frame = frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame != null && frame.startsWith("42")) {
                JsonArray packet = new JsonArray(frame.substring(2));
                if (event.equals(packet.getString(0))) {
                    packet.remove(0);
                    return packet;
                }
            }
        }
        throw new AssertionError("no " + event + " within 5 s");
    }

    private String nextFrame() throws InterruptedException {
        String frame = frames.poll(5, TimeUnit.SECONDS);
        assertThat(frame).as("a frame within 5 s").isNotNull();
        return frame;
    }

    @Override
    public void close() throws Exception {
        await(ws.close());
        await(client.close());
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
