package io.relay.gateway.socketio;

import io.relay.gateway.socketio.ConformanceClient.Frames;
import io.relay.gateway.socketio.ConformanceClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.relay.gateway.socketio.ConformanceClient.RS;
import static io.relay.gateway.socketio.ConformanceClient.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our equivalent of the official Engine.IO v4 protocol test suite ({@code socketio/socket.io},
 * {@code docs/engine.io-protocol/v4-test-suite/test-suite.js}), which is not published to npm and so
 * cannot be fetched by the build. One test per suite test: the nested {@code @DisplayName}s are the
 * suite's {@code describe} titles and each test's {@code @DisplayName} is its {@code it} title, word
 * for word. Each test checks the behaviour its namesake checks, against the raw Engine.IO echo
 * endpoint of the {@link ConformanceFixture} (ping 300 ms, timeout 200 ms, max payload 1,000,000).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Engine.IO protocol")
class EngineIoConformanceTest {

    private static final long PING_INTERVAL = ConformanceFixture.PING_INTERVAL.toMillis();
    private static final long PING_TIMEOUT = ConformanceFixture.PING_TIMEOUT.toMillis();

    private ConformanceClient client;

    @BeforeAll
    static void warmUp() throws Exception {
        ConformanceClient.warmUp();
    }

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        ConformanceFixture fixture = new ConformanceFixture(0);
        await(vertx.deployVerticle(fixture));
        client = new ConformanceClient(vertx, fixture.port(), "/engine.io/");
    }

    @AfterEach
    void stop() {
        client.close();
    }

    static void assertOpenPacket(String packet, String... upgrades) {
        assertThat(packet).startsWith("0");
        JsonObject open = new JsonObject(packet.substring(1));
        assertThat(open.fieldNames()).containsExactlyInAnyOrder("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        assertThat(open.getValue("sid")).isInstanceOf(String.class);
        assertThat(open.getJsonArray("upgrades").getList()).containsExactly((Object[]) upgrades);
        assertThat(open.getValue("pingInterval")).isEqualTo((int) PING_INTERVAL);
        assertThat(open.getValue("pingTimeout")).isEqualTo((int) PING_TIMEOUT);
        assertThat(open.getValue("maxPayload")).isEqualTo(1_000_000);
    }

    @Nested
    @DisplayName("handshake")
    class Handshake {

        @Nested
        @DisplayName("HTTP long-polling")
        class Polling {

            @Test
            @DisplayName("successfully opens a session")
            void opensSession() throws Exception {
                Reply response = client.get("EIO=4&transport=polling");
                assertThat(response.status()).isEqualTo(200);
                assertOpenPacket(response.body(), "websocket");
            }

            @Test
            @DisplayName("fails with an invalid 'EIO' query parameter")
            void invalidEio() throws Exception {
                assertThat(client.get("transport=polling").status()).isEqualTo(400);
                assertThat(client.get("EIO=abc&transport=polling").status()).isEqualTo(400);
            }

            @Test
            @DisplayName("fails with an invalid 'transport' query parameter")
            void invalidTransport() throws Exception {
                assertThat(client.get("EIO=4").status()).isEqualTo(400);
                assertThat(client.get("EIO=4&transport=abc").status()).isEqualTo(400);
            }

            @Test
            @DisplayName("fails with an invalid request method")
            void invalidMethod() throws Exception {
                assertThat(client.request(HttpMethod.POST, "EIO=4&transport=polling", null).status()).isEqualTo(400);
                assertThat(client.request(HttpMethod.PUT, "EIO=4&transport=polling", null).status()).isEqualTo(400);
            }
        }

        @Nested
        @DisplayName("WebSocket")
        class WebSocket {

            @Test
            @DisplayName("successfully opens a session")
            void opensSession() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                assertOpenPacket(socket.nextText());
                socket.close();
            }

            @Test
            @DisplayName("fails with an invalid 'EIO' query parameter")
            void invalidEio() throws Exception {
                assertThat(client.refusedWebSocket("transport=websocket")).isEqualTo(400);
                assertThat(client.refusedWebSocket("EIO=abc&transport=websocket")).isEqualTo(400);
            }

            @Test
            @DisplayName("fails with an invalid 'transport' query parameter")
            void invalidTransport() throws Exception {
                assertThat(client.refusedWebSocket("EIO=4")).isEqualTo(400);
                assertThat(client.refusedWebSocket("EIO=4&transport=abc")).isEqualTo(400);
            }
        }
    }

    @Nested
    @DisplayName("message")
    class Message {

        @Nested
        @DisplayName("HTTP long-polling")
        class Polling {

            private void assertEchoed(String payload) throws Exception {
                String sid = client.openPollingSession();
                Reply pushed = client.push(sid, payload);
                assertThat(pushed.status()).isEqualTo(200);
                assertThat(pushed.body()).isEqualTo("ok");
                Reply polled = client.poll(sid);
                assertThat(polled.status()).isEqualTo(200);
                assertThat(polled.body()).isEqualTo(payload);
            }

            @Test
            @DisplayName("sends and receives a payload containing one plain text packet")
            void onePlainTextPacket() throws Exception {
                assertEchoed("4hello");
            }

            @Test
            @DisplayName("sends and receives a payload containing several plain text packets")
            void severalPlainTextPackets() throws Exception {
                assertEchoed("4test1" + RS + "4test2" + RS + "4test3");
            }

            @Test
            @DisplayName("sends and receives a payload containing plain text and binary packets")
            void plainTextAndBinaryPackets() throws Exception {
                // "b" + base64 of the bytes 1, 2, 3, 4: the binary message must come back as binary.
                assertEchoed("4hello" + RS + "bAQIDBA==");
            }

            @Test
            @DisplayName("closes the session upon invalid packet format")
            void invalidPacketFormat() throws Exception {
                String sid = client.openPollingSession();
                assertThat(client.push(sid, "abc").status()).isEqualTo(400);
                assertThat(client.poll(sid).status()).isEqualTo(400);
            }

            @Test
            @DisplayName("closes the session upon duplicate poll requests")
            void duplicatePollRequests() throws Exception {
                record Run(String sid, Reply first, Reply second) {
                }
                Run run = client.inOrder(() -> {
                    String sid = client.openPollingSession();
                    Future<Reply> first = client.sendPoll(sid);
                    Thread.sleep(5);
                    Future<Reply> second = client.send(HttpMethod.GET, "EIO=4&transport=polling&sid=" + sid + "&t=burst", null);
                    return new Run(sid, await(first), await(second));
                }, r -> r.first().status() != 200 && r.second().status() == 200);
                assertThat(run.first().status()).isEqualTo(200);
                assertThat(run.first().body()).isEqualTo("1");
                assertThat(run.second().status()).isIn(400, 500);
                assertThat(client.poll(run.sid()).status()).isEqualTo(400);
            }

            @Test
            @DisplayName("closes the session upon cancelled polling request")
            void cancelledPollingRequest() throws Exception {
                String sid = client.openPollingSession();
                client.pollThenCancel(sid, 5);
                assertThat(client.poll(sid).status()).isEqualTo(400);
            }
        }

        @Nested
        @DisplayName("WebSocket")
        class WebSocket {

            @Test
            @DisplayName("sends and receives a plain text packet")
            void plainTextPacket() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // handshake
                socket.send("4hello");
                assertThat(socket.next()).isEqualTo("4hello");
                socket.close();
            }

            @Test
            @DisplayName("sends and receives a binary packet")
            void binaryPacket() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // handshake
                socket.send((byte) 1, (byte) 2, (byte) 3, (byte) 4);
                assertThat(socket.next()).isEqualTo(Buffer.buffer(new byte[]{1, 2, 3, 4}));
                socket.close();
            }

            @Test
            @DisplayName("closes the session upon invalid packet format")
            void invalidPacketFormat() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // handshake
                socket.send("abc");
                socket.awaitClose();
            }
        }
    }

    @Nested
    @DisplayName("heartbeat")
    class Heartbeat {

        @Nested
        @DisplayName("HTTP long-polling")
        class Polling {

            @Test
            @DisplayName("sends ping/pong packets")
            void pingPong() throws Exception {
                ConformanceClient.PingPongRun run = client.pingPongOverPolling(PING_TIMEOUT);
                assertThat(run.bodies()).containsExactly("2", "2", "2");
                assertThat(run.statuses()).containsOnly(200);
            }

            @Test
            @DisplayName("closes the session upon ping timeout")
            void pingTimeout() throws Exception {
                String sid = client.openPollingSession();
                Thread.sleep(PING_INTERVAL + PING_TIMEOUT);
                assertThat(client.poll(sid).status()).isEqualTo(400);
            }
        }

        @Nested
        @DisplayName("WebSocket")
        class WebSocket {

            @Test
            @DisplayName("sends ping/pong packets")
            void pingPong() throws Exception {
                Frames socket = client.openWebSocketAnsweringPings("EIO=4&transport=websocket");
                socket.next(); // handshake
                for (int i = 0; i < 3; i++) {
                    assertThat(socket.next()).isEqualTo("2"); // answered with "3" as it arrived
                }
                socket.close();
            }

            @Test
            @DisplayName("closes the session upon ping timeout")
            void pingTimeout() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.awaitClose();
            }
        }
    }

    @Nested
    @DisplayName("close")
    class Close {

        @Nested
        @DisplayName("HTTP long-polling")
        class Polling {

            @Test
            @DisplayName("forcefully closes the session")
            void forcefulClose() throws Exception {
                ConformanceClient.ClosedWhilePolling run = client.closeWhilePolling();
                assertThat(run.polled().status()).isEqualTo(200);
                assertThat(run.polled().body()).isEqualTo("6");
                assertThat(client.poll(run.sid()).status()).isEqualTo(400);
            }
        }

        @Nested
        @DisplayName("WebSocket")
        class WebSocket {

            @Test
            @DisplayName("forcefully closes the session")
            void forcefulClose() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // handshake
                socket.send("1");
                socket.awaitClose();
            }
        }
    }

    @Nested
    @DisplayName("upgrade")
    class Upgrade {

        /** Probes and completes the upgrade of a polling session over a new WebSocket. */
        private Frames upgrade(String sid) throws Exception {
            Frames socket = client.openWebSocket("EIO=4&transport=websocket&sid=" + sid);
            socket.send("2probe");
            assertThat(socket.next()).isEqualTo("3probe");
            socket.send("5");
            return socket;
        }

        @Test
        @DisplayName("successfully upgrades from HTTP long-polling to WebSocket")
        void upgrades() throws Exception {
            String sid = client.openPollingSession();
            Frames socket = client.openWebSocket("EIO=4&transport=websocket&sid=" + sid);
            socket.send("2probe");
            assertThat(socket.next()).isEqualTo("3probe");
            // The GET sent while the upgrade is pending is ended with a noop packet.
            Reply polled = client.poll(sid);
            assertThat(polled.status()).isEqualTo(200);
            assertThat(polled.body()).isEqualTo("6");
            socket.send("5");
            socket.send("4hello");
            assertThat(socket.next()).isEqualTo("4hello");
        }

        @Test
        @DisplayName("ignores HTTP requests with same sid after upgrade")
        void ignoresPollingAfterUpgrade() throws Exception {
            String sid = client.openPollingSession();
            Frames socket = upgrade(sid);
            assertThat(client.poll(sid).status()).isEqualTo(400);
            socket.send("4hello");
            assertThat(socket.next()).isEqualTo("4hello");
        }

        @Test
        @DisplayName("ignores WebSocket connection with same sid after upgrade")
        void ignoresSecondWebSocketAfterUpgrade() throws Exception {
            String sid = client.openPollingSession();
            Frames socket = upgrade(sid);
            client.assertAcceptedThenClosed("EIO=4&transport=websocket&sid=" + sid);
            socket.send("4hello");
            assertThat(socket.next()).isEqualTo("4hello");
        }
    }
}
