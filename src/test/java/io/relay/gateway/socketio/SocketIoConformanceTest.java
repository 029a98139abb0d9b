package io.relay.gateway.socketio;

import io.relay.gateway.socketio.ConformanceClient.Frames;
import io.relay.gateway.socketio.ConformanceClient.Reply;
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

import static io.relay.gateway.socketio.ConformanceClient.await;
import static io.relay.gateway.socketio.EngineIoConformanceTest.assertOpenPacket;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our equivalent of the official Socket.IO v5 protocol test suite ({@code socketio/socket.io},
 * {@code docs/socket.io-protocol/v5-test-suite/test-suite.js}), which is not published to npm and so
 * cannot be fetched by the build. One test per suite test: the nested {@code @DisplayName}s are the
 * suite's {@code describe} titles and each test's {@code @DisplayName} is its {@code it} title, word
 * for word. Each test checks the behaviour its namesake checks, against {@code /socket.io/} of the
 * {@link ConformanceFixture} (ping 300 ms, timeout 200 ms, connect timeout 1 s, namespaces {@code /}
 * and {@code /custom}).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Socket.IO v5 suite")
class SocketIoConformanceTest {

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
        client = new ConformanceClient(vertx, fixture.port(), "/socket.io/");
    }

    @AfterEach
    void stop() {
        client.close();
    }

    /** A WebSocket connected to the main namespace, past its CONNECT answer and {@code auth} event. */
    private Frames connectedSocket() throws Exception {
        Frames socket = client.openWebSocket("EIO=4&transport=websocket");
        socket.next(); // Engine.IO handshake
        socket.send("40");
        socket.next(); // Socket.IO handshake
        socket.next(); // "auth" event
        return socket;
    }

    /** Asserts a CONNECT answer for {@code prefix} ({@code 40} or {@code 40/custom,}) carrying only a sid. */
    private static void assertConnectAnswer(String packet, String prefix) {
        assertThat(packet).startsWith(prefix);
        JsonObject handshake = new JsonObject(packet.substring(prefix.length()));
        assertThat(handshake.fieldNames()).containsExactly("sid");
        assertThat(handshake.getValue("sid")).isInstanceOf(String.class);
    }

    @Nested
    @DisplayName("Engine.IO protocol")
    class EngineIo {

        @Nested
        @DisplayName("handshake")
        class Handshake {

            @Nested
            @DisplayName("HTTP long-polling")
            class Polling {

                @Test
                @DisplayName("should successfully open a session")
                void opensSession() throws Exception {
                    Reply reply = client.get("EIO=4&transport=polling");
                    assertThat(reply.status()).isEqualTo(200);
                    assertOpenPacket(reply.body(), "websocket");
                }

                @Test
                @DisplayName("should fail with an invalid 'EIO' query parameter")
                void invalidEio() throws Exception {
                    assertThat(client.get("transport=polling").status()).isEqualTo(400);
                    assertThat(client.get("EIO=abc&transport=polling").status()).isEqualTo(400);
                }

                @Test
                @DisplayName("should fail with an invalid 'transport' query parameter")
                void invalidTransport() throws Exception {
                    assertThat(client.get("EIO=4").status()).isEqualTo(400);
                    assertThat(client.get("EIO=4&transport=abc").status()).isEqualTo(400);
                }

                @Test
                @DisplayName("should fail with an invalid request method")
                void invalidMethod() throws Exception {
                    assertThat(client.request(HttpMethod.POST, "EIO=4&transport=polling", null).status()).isEqualTo(400);
                    assertThat(client.request(HttpMethod.PUT, "EIO=4&transport=polling", null).status()).isEqualTo(400);
                }
            }

            @Nested
            @DisplayName("WebSocket")
            class WebSocket {

                @Test
                @DisplayName("should successfully open a session")
                void opensSession() throws Exception {
                    Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                    assertOpenPacket(socket.nextText());
                    socket.close();
                }

                @Test
                @DisplayName("should fail with an invalid 'EIO' query parameter")
                void invalidEio() throws Exception {
                    assertThat(client.refusedWebSocket("transport=websocket")).isEqualTo(400);
                    assertThat(client.refusedWebSocket("EIO=abc&transport=websocket")).isEqualTo(400);
                }

                @Test
                @DisplayName("should fail with an invalid 'transport' query parameter")
                void invalidTransport() throws Exception {
                    assertThat(client.refusedWebSocket("EIO=4")).isEqualTo(400);
                    assertThat(client.refusedWebSocket("EIO=4&transport=abc")).isEqualTo(400);
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
                @DisplayName("should send ping/pong packets")
                void pingPong() throws Exception {
                    ConformanceClient.PingPongRun run = client.pingPongOverPolling(PING_TIMEOUT);
                    assertThat(run.bodies()).containsExactly("2", "2", "2");
                    assertThat(run.statuses()).containsOnly(200);
                }

                @Test
                @DisplayName("should close the session upon ping timeout")
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
                @DisplayName("should send ping/pong packets")
                void pingPong() throws Exception {
                    Frames socket = client.openWebSocketAnsweringPings("EIO=4&transport=websocket");
                    socket.next(); // handshake
                    for (int i = 0; i < 3; i++) {
                        assertThat(socket.next()).isEqualTo("2"); // answered with "3" as it arrived
                    }
                    socket.close();
                }

                @Test
                @DisplayName("should close the session upon ping timeout")
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
                @DisplayName("should forcefully close the session")
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
                @DisplayName("should forcefully close the session")
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

            /** Opens a WebSocket for the polling session and gets its probe answered. */
            private Frames probed(String sid) throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket&sid=" + sid);
                socket.send("2probe");
                assertThat(socket.next()).isEqualTo("3probe");
                return socket;
            }

            @Test
            @DisplayName("should successfully upgrade from HTTP long-polling to WebSocket")
            void upgrades() throws Exception {
                String sid = client.openPollingSession();
                Frames socket = probed(sid);
                socket.send("5");
            }

            @Test
            @DisplayName("should ignore HTTP requests with same sid after upgrade")
            void ignoresPollingAfterUpgrade() throws Exception {
                String sid = client.openPollingSession();
                probed(sid).send("5");
                assertThat(client.poll(sid).status()).isEqualTo(400);
            }

            @Test
            @DisplayName("should ignore WebSocket connection with same sid after upgrade")
            void ignoresSecondWebSocketAfterUpgrade() throws Exception {
                String sid = client.openPollingSession();
                probed(sid).send("5");
                client.assertAcceptedThenClosed("EIO=4&transport=websocket&sid=" + sid);
            }
        }
    }

    @Nested
    @DisplayName("Socket.IO protocol")
    class SocketIo {

        @Nested
        @DisplayName("connect")
        class Connect {

            /** Sends {@code connect} and checks the CONNECT answer and the {@code auth} event that follows. */
            private void assertConnects(String connect, String answerPrefix, String authEvent) throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // Engine.IO handshake
                socket.send(connect);
                assertConnectAnswer(socket.nextText(), answerPrefix);
                assertThat(socket.next()).isEqualTo(authEvent);
            }

            @Test
            @DisplayName("should allow connection to the main namespace")
            void mainNamespace() throws Exception {
                assertConnects("40", "40", "42[\"auth\",{}]");
            }

            @Test
            @DisplayName("should allow connection to the main namespace with a payload")
            void mainNamespaceWithPayload() throws Exception {
                assertConnects("40{\"token\":\"123\"}", "40", "42[\"auth\",{\"token\":\"123\"}]");
            }

            @Test
            @DisplayName("should allow connection to a custom namespace")
            void customNamespace() throws Exception {
                assertConnects("40/custom,", "40/custom,", "42/custom,[\"auth\",{}]");
            }

            @Test
            @DisplayName("should allow connection to a custom namespace with a payload")
            void customNamespaceWithPayload() throws Exception {
                assertConnects("40/custom,{\"token\":\"abc\"}", "40/custom,", "42/custom,[\"auth\",{\"token\":\"abc\"}]");
            }

            @Test
            @DisplayName("should disallow connection to an unknown namespace")
            void unknownNamespace() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // Engine.IO handshake
                socket.send("40/random");
                assertThat(socket.next()).isEqualTo("44/random,{\"message\":\"Invalid namespace\"}");
            }

            @Test
            @DisplayName("should disallow connection with an invalid handshake")
            void invalidHandshake() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.next(); // Engine.IO handshake
                socket.send("4abc");
                socket.awaitClose();
            }

            @Test
            @DisplayName("should close the connection if no handshake is received")
            void noHandshake() throws Exception {
                Frames socket = client.openWebSocket("EIO=4&transport=websocket");
                socket.awaitClose();
            }
        }

        @Nested
        @DisplayName("disconnect")
        class Disconnect {

            @Test
            @DisplayName("should disconnect from the main namespace")
            void mainNamespace() throws Exception {
                Frames socket = connectedSocket();
                socket.send("41");
                // Nothing else, the connection stays: the next packet is the heartbeat.
                assertThat(socket.next()).isEqualTo("2");
            }

            @Test
            @DisplayName("should connect then disconnect from a custom namespace")
            void customNamespace() throws Exception {
                Frames socket = connectedSocket();
                socket.next(); // ping
                socket.send("40/custom");
                socket.next(); // Socket.IO handshake
                socket.next(); // "auth" event
                socket.send("41/custom");
                socket.send("42[\"message\",\"message to main namespace\"]");
                assertThat(socket.next()).isEqualTo("42[\"message-back\",\"message to main namespace\"]");
            }
        }

        @Nested
        @DisplayName("message")
        class Message {

            private static final String BINARY_EVENT =
                    "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]";

            @Test
            @DisplayName("should send a plain-text packet")
            void plainText() throws Exception {
                Frames socket = connectedSocket();
                socket.send("42[\"message\",1,\"2\",{\"3\":[true]}]");
                assertThat(socket.next()).isEqualTo("42[\"message-back\",1,\"2\",{\"3\":[true]}]");
            }

            @Test
            @DisplayName("should send a packet with binary attachments")
            void binaryAttachments() throws Exception {
                Frames socket = connectedSocket();
                socket.send(BINARY_EVENT);
                socket.send((byte) 1, (byte) 2, (byte) 3);
                socket.send((byte) 4, (byte) 5, (byte) 6);
                assertThat(socket.nextIgnoringPings())
                        .isEqualTo("452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
                assertThat(socket.nextIgnoringPings()).isEqualTo(Buffer.buffer(new byte[]{1, 2, 3}));
                assertThat(socket.nextIgnoringPings()).isEqualTo(Buffer.buffer(new byte[]{4, 5, 6}));
                socket.close();
            }

            @Test
            @DisplayName("should send a plain-text packet with an ack")
            void plainTextWithAck() throws Exception {
                Frames socket = connectedSocket();
                socket.send("42456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
                assertThat(socket.next()).isEqualTo("43456[1,\"2\",{\"3\":[false]}]");
            }

            @Test
            @DisplayName("should send a packet with binary attachments and an ack")
            void binaryAttachmentsWithAck() throws Exception {
                Frames socket = connectedSocket();
                socket.send("452-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
                socket.send((byte) 1, (byte) 2, (byte) 3);
                socket.send((byte) 4, (byte) 5, (byte) 6);
                assertThat(socket.nextIgnoringPings())
                        .isEqualTo("462-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
                assertThat(socket.nextIgnoringPings()).isEqualTo(Buffer.buffer(new byte[]{1, 2, 3}));
                assertThat(socket.nextIgnoringPings()).isEqualTo(Buffer.buffer(new byte[]{4, 5, 6}));
                socket.close();
            }

            @Test
            @DisplayName("should close the connection upon invalid format (unknown packet type)")
            void unknownPacketType() throws Exception {
                Frames socket = connectedSocket();
                socket.send("4abc");
                socket.awaitClose();
            }

            @Test
            @DisplayName("should close the connection upon invalid format (invalid payload format)")
            void invalidPayloadFormat() throws Exception {
                Frames socket = connectedSocket();
                socket.send("42{}");
                socket.awaitClose();
            }

            @Test
            @DisplayName("should close the connection upon invalid format (invalid ack id)")
            void invalidAckId() throws Exception {
                Frames socket = connectedSocket();
                socket.send("42abc[\"message-with-ack\",1,\"2\",{\"3\":[false]}]");
                socket.awaitClose();
            }
        }
    }
}
