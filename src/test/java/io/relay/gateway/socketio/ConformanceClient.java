package io.relay.gateway.socketio;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Speaks raw Engine.IO to one mount path of the {@link ConformanceFixture}, the way the protocol
 * test suites do: plain HTTP requests for long-polling and a bare WebSocket, no Socket.IO client.
 * Blocking calls are for the test thread only (never an event loop).
 */
final class ConformanceClient implements AutoCloseable {

    static final String RS = "\u001e";
    private static final long WAIT_SECONDS = 5;
    private static final String HOST = "127.0.0.1";

    private final int port;
    private final String path;
    private final HttpClient http;
    private final WebSocketClient webSockets;

    /** {@code path} with its trailing slash: {@code /engine.io/} or {@code /socket.io/}. */
    ConformanceClient(Vertx vertx, int port, String path) {
        this.port = port;
        this.path = path;
        this.http = vertx.createHttpClient();
        this.webSockets = vertx.createWebSocketClient();
    }

    // ------------------------------------------------------------------ HTTP long-polling

    /** Status and body of an HTTP answer. */
    record Reply(int status, String body) {
    }

    /**
     * Sends a request and returns once it is written; the answer comes in the future. Requests on
     * different connections may still be handled out of order (each connection has its own event loop
     * on the server): see {@link #inOrder}.
     */
    Future<Reply> send(HttpMethod method, String query, String body) throws Exception {
        HttpClientRequest request = await(http.request(method, port, HOST, path + "?" + query));
        Future<Reply> reply = request.response()
                .compose(response -> response.body().map(b -> new Reply(response.statusCode(), b.toString(StandardCharsets.UTF_8))));
        await(body == null ? request.end() : request.end(body));
        return reply;
    }

    /** A scenario that throws what a test throws. */
    interface Scenario<T> {
        T run() throws Exception;
    }

    /**
     * Runs a scenario whose second request must reach the server after its first, which the client
     * cannot guarantee across two connections. A run in which the server saw them the other way round
     * ({@code overtaken}) tested nothing and is run again, up to five times; the test asserts on the
     * last run, so a server that always answers as if overtaken still fails.
     */
    <T> T inOrder(Scenario<T> scenario, Predicate<T> overtaken) throws Exception {
        T result = scenario.run();
        for (int attempt = 1; attempt < 5 && overtaken.test(result); attempt++) {
            result = scenario.run();
        }
        return result;
    }

    /** What {@link #pingPongOverPolling} saw: each poll's status and body, and whether every pong went out in time. */
    record PingPongRun(List<Integer> statuses, List<String> bodies, boolean pongsInTime) {
    }

    /**
     * Both suites' "sends ping/pong packets" over polling: three times, a poll gets the ping and a POST
     * answers it. With a 200 ms ping timeout, a test thread slowed by a loaded machine can answer after
     * the timeout (and the session is rightly closed); such a run tested nothing and is run again, up to
     * five times, asserted on the last, so a server that closes a session answered in time still fails.
     */
    PingPongRun pingPongOverPolling(long pingTimeoutMillis) throws Exception {
        return inOrder(() -> {
            String sid = openPollingSession();
            List<Integer> statuses = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            boolean inTime = true;
            for (int i = 0; i < 3; i++) {
                Reply polled = poll(sid);
                long answered = System.nanoTime();
                statuses.add(polled.status());
                bodies.add(polled.body());
                if (polled.status() != 200 || !"2".equals(polled.body())) {
                    break;
                }
                statuses.add(push(sid, "3").status());
                inTime &= (System.nanoTime() - answered) / 1_000_000 < pingTimeoutMillis / 2;
            }
            return new PingPongRun(statuses, bodies, inTime);
        }, run -> !run.pongsInTime());
    }

    /** What {@link #closeWhilePolling} saw: the session and the answer to its pending GET. */
    record ClosedWhilePolling(String sid, Reply polled) {
    }

    /**
     * Both suites' "forcefully closes the session" over polling: a GET waits, then a POST closes the
     * session ({@code 1}). Overtaken when the close arrived first and the GET found no session.
     */
    ClosedWhilePolling closeWhilePolling() throws Exception {
        return inOrder(() -> {
            String sid = openPollingSession();
            Future<Reply> pending = sendPoll(sid);
            Thread.sleep(5);
            Future<Reply> close = sendPush(sid, "1");
            Reply polled = await(pending);
            await(close);
            return new ClosedWhilePolling(sid, polled);
        }, r -> r.polled().status() == 400);
    }

    Reply request(HttpMethod method, String query, String body) throws Exception {
        return await(send(method, query, body));
    }

    Reply get(String query) throws Exception {
        return request(HttpMethod.GET, query, null);
    }

    /** Opens a polling session and answers its sid. */
    String openPollingSession() throws Exception {
        Reply reply = get("EIO=4&transport=polling");
        assertThat(reply.status()).isEqualTo(200);
        return new JsonObject(reply.body().substring(1)).getString("sid");
    }

    /** Sends a polling GET; its answer comes in the future. */
    Future<Reply> sendPoll(String sid) throws Exception {
        return send(HttpMethod.GET, "EIO=4&transport=polling&sid=" + sid, null);
    }

    Reply poll(String sid) throws Exception {
        return await(sendPoll(sid));
    }

    Future<Reply> sendPush(String sid, String body) throws Exception {
        return send(HttpMethod.POST, "EIO=4&transport=polling&sid=" + sid, body);
    }

    Reply push(String sid, String body) throws Exception {
        return await(sendPush(sid, body));
    }

    /**
     * Sends a polling GET and, {@code delayMs} after it is on the wire, drops its connection before
     * any answer, as a browser does when a request is cancelled.
     */
    void pollThenCancel(String sid, long delayMs) throws Exception {
        HttpClientRequest request = await(http.request(HttpMethod.GET, port, HOST,
                path + "?EIO=4&transport=polling&sid=" + sid));
        request.response().onFailure(e -> { }); // the reset fails it, as intended
        await(request.end());
        Thread.sleep(delayMs);
        await(request.reset());
    }

    // ------------------------------------------------------------------ WebSocket

    /** Opens a WebSocket; fails the test if the server refuses the upgrade. */
    Frames openWebSocket(String query) throws Exception {
        return openWebSocket(query, false);
    }

    /**
     * A WebSocket that answers each ping with a pong at once, on its event loop, as a client library does.
     * The fixture allows 200 ms for a pong: a test thread answering on a loaded machine can miss that.
     */
    Frames openWebSocketAnsweringPings(String query) throws Exception {
        return openWebSocket(query, true);
    }

    private Frames openWebSocket(String query, boolean answerPings) throws Exception {
        // Handlers are set before connecting: set after, an early message can slip past when the test thread lags.
        Frames frames = new Frames(webSockets.webSocket(), answerPings);
        return await(frames.ws.connect(port, HOST, path + "?" + query).map(frames));
    }

    /**
     * Passes when the server accepts a WebSocket upgrade and closes the WebSocket at once. The close frame may come
     * in the same packet as the 101; Vert.x's client then fails its connect with "WebSocket is closed" (it sets the
     * handlers given before connecting on a WebSocket already closed), which is that same outcome.
     */
    void assertAcceptedThenClosed(String query) throws Exception {
        try {
            openWebSocket(query).awaitClose();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as("accepted, then closed").isInstanceOf(IllegalStateException.class)
                    .hasMessage("WebSocket is closed");
        }
    }

    /** The HTTP status with which the server refused a WebSocket upgrade; fails if it accepted it. */
    int refusedWebSocket(String query) throws Exception {
        try {
            WebSocket ws = await(webSockets.connect(port, HOST, path + "?" + query));
            ws.close();
            throw new AssertionError("the websocket upgrade was accepted: " + query);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpgradeRejectedException.class);
            return ((UpgradeRejectedException) e.getCause()).getStatus();
        }
    }

    @Override
    public void close() {
        http.close();
        webSockets.close();
    }

    /**
     * Runs each kind of exchange once against a throwaway fixture. The suites' tests never answer
     * pings, so a whole test must fit in pingInterval + pingTimeout (500 ms) after its handshake;
     * the first test in a fresh JVM would spend most of that loading classes on both sides.
     */
    static void warmUp() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            ConformanceFixture fixture = new ConformanceFixture(0);
            await(vertx.deployVerticle(fixture));
            try (ConformanceClient engineIo = new ConformanceClient(vertx, fixture.port(), "/engine.io/");
                 ConformanceClient socketIo = new ConformanceClient(vertx, fixture.port(), "/socket.io/")) {
                String sid = engineIo.openPollingSession();
                engineIo.push(sid, "4warm" + RS + "bAQ==");
                engineIo.poll(sid);
                Frames raw = engineIo.openWebSocket("EIO=4&transport=websocket");
                raw.next();
                raw.send("4warm");
                raw.send((byte) 1);
                raw.next();
                raw.next();
                raw.close();

                Frames socket = socketIo.openWebSocket("EIO=4&transport=websocket");
                socket.next();
                socket.send("40{\"warm\":1}");
                socket.next();
                socket.next();
                socket.send("42[\"message\",1]");
                socket.next();
                socket.send("452-7[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
                socket.send((byte) 1);
                socket.send((byte) 2);
                socket.next();
                socket.next();
                socket.next();
                socket.close();
            }
        } finally {
            await(vertx.close());
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS * 2, TimeUnit.SECONDS);
    }

    /** A WebSocket whose messages (String or Buffer) and close are collected for the test thread. */
    static final class Frames {
        final ClientWebSocket ws;
        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final Promise<Void> closed = Promise.promise();

        Frames(ClientWebSocket ws, boolean answerPings) {
            this.ws = ws;
            ws.textMessageHandler(text -> {
                if (answerPings && "2".equals(text)) {
                    ws.writeTextMessage("3");
                }
                messages.add(text);
            });
            ws.binaryMessageHandler(messages::add);
            ws.closeHandler(v -> closed.tryComplete());
        }

        /** Sends a text message and returns once it is written (see {@link ConformanceClient#send}). */
        void send(String text) throws Exception {
            await(ws.writeTextMessage(text));
        }

        void send(byte... bytes) throws Exception {
            await(ws.writeBinaryMessage(Buffer.buffer(bytes)));
        }

        /** The next message: a String for a text frame, a Buffer for a binary one. */
        Object next() throws InterruptedException {
            Object message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(message).as("a message within %d s", WAIT_SECONDS).isNotNull();
            return message;
        }

        String nextText() throws InterruptedException {
            Object message = next();
            assertThat(message).isInstanceOf(String.class);
            return (String) message;
        }

        /** The next message that is not an Engine.IO ping. */
        Object nextIgnoringPings() throws InterruptedException {
            Object message;
            do {
                message = next();
            } while ("2".equals(message));
            return message;
        }

        /** Waits for the server to close the WebSocket. */
        void awaitClose() throws Exception {
            closed.future().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        void close() {
            ws.close();
        }
    }
}
