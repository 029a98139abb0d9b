package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.vocabulary.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Polling requests for sessions of another node ("owner~..."), forwarded over the event bus. The owner
 * is played by a consumer on its address that holds the requests, as a node does with a waiting GET.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Polling forwarded to the owning node")
class PollForwardingTest {

    private static final String OWNER = "owner";
    private static final String SID = OWNER + "~c2Vzc2lvbg";

    private Vertx vertx;
    private WebClient client;
    private int port;
    private String deploymentId;
    private final CopyOnWriteArrayList<Message<JsonObject>> held = new CopyOnWriteArrayList<>();
    private MessageConsumer<JsonObject> owner;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.client = WebClient.create(vertx);
        // Long heartbeats: a forwarded GET would wait ~90 s for its owner if nothing else answered it.
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        SocketIoOptions options = EchoVerticle.options(Duration.ofSeconds(25), Duration.ofSeconds(60), 1000);
        deploymentId = PollingProtocolTest.await(vertx.deployVerticle(new EchoVerticle(options, port, new EngineIoRegistry())));
        owner = vertx.eventBus().consumer(Addresses.engineIoNode(OWNER), held::add);
        PollingProtocolTest.await(owner.completion());
    }

    @AfterEach
    void stop() {
        client.close();
    }

    private CompletableFuture<HttpResponse<Buffer>> waitingGet() throws Exception {
        CompletableFuture<HttpResponse<Buffer>> response = client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + SID)
                .send().toCompletionStage().toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (held.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(held).as("the GET reached its owner").hasSize(1);
        return response;
    }

    private static final String POLLING = "/socket.io/?EIO=4&transport=polling";

    /** A polling session opened on this node and connected to the main namespace, its first GET answered; its sid. */
    private String connectedSession() throws Exception {
        HttpResponse<Buffer> open = PollingProtocolTest.await(client.get(port, "127.0.0.1", POLLING).send());
        String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");
        String query = POLLING + "&sid=" + sid;
        PollingProtocolTest.await(client.post(port, "127.0.0.1", query).sendBuffer(Buffer.buffer("40")));
        assertThat(PollingProtocolTest.await(client.get(port, "127.0.0.1", query).send()).bodyAsString()).startsWith("40");
        return sid;
    }

    private void nodeLeft(String nodeId) {
        vertx.eventBus().publish(Addresses.nodeLeft(), nodeId, new DeliveryOptions().setLocalOnly(true));
    }

    private static void assertSessionUnknown(HttpResponse<Buffer> answer) {
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.bodyAsJsonObject().getInteger("code")).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    @DisplayName("answers a GET waiting on a node 'Session ID unknown' as soon as that node left, so the client reconnects at once")
    void ownerLeft() throws Exception {
        CompletableFuture<HttpResponse<Buffer>> response = waitingGet(); // the owner dies holding it

        nodeLeft(OWNER);

        assertSessionUnknown(response.get(2, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(30)
    @DisplayName("also answers a GET forwarded to a node just after it left, while the bus still routed to it")
    void forwardedJustAfterOwnerLeft() throws Exception {
        nodeLeft(OWNER);
        CompletableFuture<HttpResponse<Buffer>> response = waitingGet();

        assertSessionUnknown(response.get(3, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(30)
    @DisplayName("keeps a GET waiting when another node left, and relays its owner's answer")
    void otherNodeLeft() throws Exception {
        CompletableFuture<HttpResponse<Buffer>> response = waitingGet();

        nodeLeft("another-node");

        assertThatThrownBy(() -> response.get(2000, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        held.get(0).reply(new JsonObject().put("status", 200).put("type", "text/plain; charset=UTF-8").put("body", "6"));
        HttpResponse<Buffer> answer = response.get(5, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.bodyAsString()).isEqualTo("6");
    }

    @Test
    @Timeout(30)
    @DisplayName("when it drains, answers the GETs it forwards for other nodes with a noop, so their clients poll again elsewhere")
    void drainingForwarder() throws Exception {
        CompletableFuture<HttpResponse<Buffer>> response = waitingGet();

        PollingProtocolTest.await(vertx.undeploy(deploymentId)); // SIGTERM: the HTTP verticles stop

        HttpResponse<Buffer> answer = response.get(5, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.bodyAsString()).isEqualTo("6");
        assertThat(held).as("no abort that would end the session at its owner").hasSize(1);
    }

    @Test
    @Timeout(30)
    @DisplayName("as the owner, lets a client's GET replace one that came through a node that went away, and the session carries on")
    void newerGetSupersedesForwardedOne() throws Exception {
        String sid = connectedSession();
        String query = POLLING + "&sid=" + sid;

        // A GET forwarded by another node, which then dies: the owner holds it, nobody will ever abort it.
        Future<Message<JsonObject>> forwarded = vertx.eventBus().request(Addresses.engineIoNode("node1"),
                new JsonObject().put("op", "get").put("sid", sid).put("transport", "polling").put("forwardId", "f-1"));
        Thread.sleep(200);
        // The balancer sends the client's GET again, to this node.
        CompletableFuture<HttpResponse<Buffer>> retried = client.get(port, "127.0.0.1", query).send().toCompletionStage().toCompletableFuture();

        assertThat(PollingProtocolTest.await(forwarded).body().getString("body")).as("the stale GET gets a noop").isEqualTo("6");
        assertThat(PollingProtocolTest.await(client.post(port, "127.0.0.1", query).sendBuffer(Buffer.buffer("42[\"echo\",\"hi\"]")))
                .bodyAsString()).isEqualTo("ok");
        HttpResponse<Buffer> echoed = retried.get(5, TimeUnit.SECONDS);
        assertThat(echoed.statusCode()).isEqualTo(200);
        assertThat(echoed.bodyAsString()).isEqualTo("42[\"echo-back\",\"hi\"]");
    }

    @Test
    @Timeout(30)
    @DisplayName("as the owner, answers a forwarded GET whose client went away (the forwarding node's abort) at once, so the "
            + "forwarding node does not wait out its heartbeat's patience and then log that the owner could not be reached")
    void abortedForwardedGetIsAnswered() throws Exception {
        String sid = connectedSession();
        String query = POLLING + "&sid=" + sid;

        // Another node forwards the client's GET, and then the client closes it: that node sends the abort.
        JsonObject get = new JsonObject().put("op", "get").put("sid", sid).put("transport", "polling").put("forwardId", "f-gone");
        CompletableFuture<Message<JsonObject>> forwarded = vertx.eventBus().<JsonObject>request(Addresses.engineIoNode("node1"), get,
                new DeliveryOptions().setSendTimeout(20_000)).toCompletionStage().toCompletableFuture();
        Thread.sleep(200);
        assertThat(forwarded).as("held, as a waiting GET").isNotDone();
        vertx.eventBus().send(Addresses.engineIoNode("node1"), get.copy().put("op", "abort"));

        Message<JsonObject> answer = forwarded.get(3, TimeUnit.SECONDS);
        assertThat(answer.body().getInteger("status")).as("the session ended with its poll, as for a local client's").isEqualTo(400);
        assertSessionUnknown(PollingProtocolTest.await(client.get(port, "127.0.0.1", query).send()));
    }

    @Test
    @Timeout(30)
    @DisplayName("as the owner, gives the balancer's retry of a GET the packets it handed to a forwarding node that died, and only then new ones")
    void retriedGetGetsTheLostAnswerAgain() throws Exception {
        String base = "/socket.io/?EIO=4&transport=polling";
        HttpResponse<Buffer> open = PollingProtocolTest.await(client.get(port, "127.0.0.1", base + "&t=a1").send());
        String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");
        String query = base + "&sid=" + sid;
        PollingProtocolTest.await(client.post(port, "127.0.0.1", query + "&t=a2").sendBuffer(Buffer.buffer("40")));
        assertThat(PollingProtocolTest.await(client.get(port, "127.0.0.1", query + "&t=a3").send()).bodyAsString()).startsWith("40");

        // The client's GET t=a4 reaches the owner through node1, which gets the answer and dies before passing it on.
        Future<Message<JsonObject>> forwarded = vertx.eventBus().request(Addresses.engineIoNode("node1"),
                new JsonObject().put("op", "get").put("sid", sid).put("transport", "polling").put("forwardId", "f-1").put("requestId", "a4"));
        Thread.sleep(200);
        PollingProtocolTest.await(client.post(port, "127.0.0.1", query + "&t=a5").sendBuffer(Buffer.buffer("42[\"echo\",\"one\"]")));
        assertThat(PollingProtocolTest.await(forwarded).body().getString("body")).isEqualTo("42[\"echo-back\",\"one\"]");
        PollingProtocolTest.await(client.post(port, "127.0.0.1", query + "&t=a6").sendBuffer(Buffer.buffer("42[\"echo\",\"two\"]")));

        // The balancer sends that same request again (same t), here: it gets what was lost, not what came after.
        HttpResponse<Buffer> retried = PollingProtocolTest.await(client.get(port, "127.0.0.1", query + "&t=a4").send());
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.bodyAsString()).isEqualTo("42[\"echo-back\",\"one\"]");
        // The client's next GET shows it got that answer: the next packets, and nothing twice.
        HttpResponse<Buffer> next = PollingProtocolTest.await(client.get(port, "127.0.0.1", query + "&t=a7").send());
        assertThat(next.bodyAsString()).isEqualTo("42[\"echo-back\",\"two\"]");
    }
}
