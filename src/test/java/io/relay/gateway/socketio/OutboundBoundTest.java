package io.relay.gateway.socketio;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static io.relay.gateway.socketio.PollingProtocolTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbound bound on the polling transport: what waits for a client's next GET is counted, and a client
 * that stops polling while the server has more for it than the bound is closed ({@code outbound full}).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The outbound bound over polling")
class OutboundBoundTest {

    private static final long MAX_OUTBOUND = 200_000;
    private static final String RS = "\u001e";

    private WebClient client;
    private int port;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        EchoVerticle.DISCONNECTS.clear();
        client = WebClient.create(vertx);
        SocketIoOptions options = new SocketIoOptions("/socket.io/", Duration.ofSeconds(25), Duration.ofSeconds(20), 100_000,
                Duration.ofSeconds(10), List.of("*"), "node1", AttachmentLimits.bounded(100_000), MAX_OUTBOUND);
        port = PollingProtocolTest.deploy(vertx, options);
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    @DisplayName("a client that does not poll while more than the bound waits for it is closed, its queue dropped")
    void closedPastTheBound() throws Exception {
        String sid = connect();
        post(sid, "42" + "[\"flood\",30,10000]"); // 300 kB for a client that does not come to fetch it
        assertThat(waitForDisconnect()).isEqualTo("outbound full");
        HttpResponse<Buffer> gone = poll(sid);
        assertThat(gone.statusCode()).isEqualTo(400);
        assertThat(gone.bodyAsJsonObject().getInteger("code")).isEqualTo(1); // unknown sid: reconnect
    }

    @Test
    @DisplayName("within the bound everything is delivered at the next GET and the session stays")
    void withinTheBound() throws Exception {
        String sid = connect();
        post(sid, "42" + "[\"flood\",10,10000]"); // 100 kB
        StringBuilder received = new StringBuilder();
        while (received.toString().split(RS).length < 10) {
            received.append(received.length() == 0 ? "" : RS).append(poll(sid).bodyAsString());
        }
        assertThat(received.toString().split(RS)).hasSize(10).allMatch(p -> p.startsWith("42[\"chunk\",\"xxx"));
        post(sid, "42[\"echo\",1]");
        assertThat(poll(sid).bodyAsString()).isEqualTo("42[\"echo-back\",1]");
        assertThat(EchoVerticle.DISCONNECTS).isEmpty();
    }

    @Test
    @DisplayName("a sender that waits for writable() gets a series larger than the bound through to a client that polls")
    void pacedSeries() throws Exception {
        String sid = connect();
        post(sid, "42" + "[\"paced\",60,10000]"); // 600 kB, three times the bound
        int chunks = 0;
        for (int i = 0; i < 200 && chunks < 60; i++) {
            HttpResponse<Buffer> res = poll(sid);
            assertThat(res.statusCode()).isEqualTo(200);
            for (String packet : res.bodyAsString().split(RS)) {
                if (packet.startsWith("42[\"chunk\"")) {
                    chunks++;
                }
            }
        }
        assertThat(chunks).isEqualTo(60);
        assertThat(EchoVerticle.DISCONNECTS).isEmpty();
    }

    private String connect() throws Exception {
        HttpResponse<Buffer> open = await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
        String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");
        post(sid, "40");
        assertThat(poll(sid).bodyAsString()).startsWith("40{");
        return sid;
    }

    private void post(String sid, String body) throws Exception {
        HttpResponse<Buffer> res = await(client.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid)
                .sendBuffer(Buffer.buffer(body)));
        assertThat(res.statusCode()).isEqualTo(200);
    }

    private HttpResponse<Buffer> poll(String sid) throws Exception {
        return await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).send());
    }

    private static String waitForDisconnect() throws InterruptedException {
        for (int i = 0; i < 100 && EchoVerticle.DISCONNECTS.isEmpty(); i++) {
            Thread.sleep(100);
        }
        return EchoVerticle.DISCONNECTS.peek();
    }
}
