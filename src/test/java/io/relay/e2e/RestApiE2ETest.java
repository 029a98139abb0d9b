package io.relay.e2e;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST calls as the web app makes them: exact JSON envelopes and status codes of the original
 * backend, JSON for every error, and CORS for a browser on another origin.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The REST API")
class RestApiE2ETest {

    private static final String ORIGIN = "http://localhost:3000";
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();
    private WebClient client;

    @BeforeEach
    void start() {
        Vertx vertx = relay.vertx(); // the node's own: no second Vert.x per test
        client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(relay.port()));
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    @DisplayName("GET /api/auth/generate-qr answers 200 {success:true, data:{qrData, token, expiresIn:300000}} plus the image handle imageId, another value than the token")
    void generateQr(VertxTestContext ctx) {
        client.get("/api/auth/generate-qr").send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            JsonObject body = json(r, 200);
            assertThat(body.fieldNames()).containsExactlyInAnyOrder("success", "data");
            assertThat(body.getBoolean("success")).isTrue();
            JsonObject data = body.getJsonObject("data");
            assertThat(data.fieldNames()).containsExactlyInAnyOrder("qrData", "token", "expiresIn", "imageId");
            assertThat(data.getValue("qrData")).isInstanceOf(String.class);
            assertThat(data.getString("qrData")).isNotBlank();
            assertThat(data.getString("token")).matches(UUID_PATTERN);
            assertThat(data.getString("imageId")).matches(UUID_PATTERN).isNotEqualTo(data.getString("token"));
            assertThat(data.getValue("expiresIn")).isEqualTo(300_000);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("every generate-qr call issues a different token and QR")
    void generateQrIsFresh(VertxTestContext ctx) {
        Future.all(client.get("/api/auth/generate-qr").send(), client.get("/api/auth/generate-qr").send())
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    JsonObject a = all.<HttpResponse<Buffer>>resultAt(0).bodyAsJsonObject().getJsonObject("data");
                    JsonObject b = all.<HttpResponse<Buffer>>resultAt(1).bodyAsJsonObject().getJsonObject("data");
                    assertThat(a.getString("token")).isNotEqualTo(b.getString("token"));
                    assertThat(a.getString("qrData")).isNotEqualTo(b.getString("qrData"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("POST /api/auth/wait-pairing without a token answers 400 {success:false, error}")
    void waitPairingWithoutToken(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(3);
        for (JsonObject body : new JsonObject[]{new JsonObject(), new JsonObject().put("token", ""), new JsonObject().put("token", 42)}) {
            client.post("/api/auth/wait-pairing").sendJsonObject(body).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                assertFailure(r, 400);
                answered.flag();
            })));
        }
    }

    @Test
    @DisplayName("POST /api/auth/verify answers 400 without a session token and 401 {success:false, error} for an invalid one")
    void verifyRefusals(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(4);
        client.post("/api/auth/verify").sendJsonObject(new JsonObject()).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertFailure(r, 400);
            answered.flag();
        })));
        for (String invalid : new String[]{"not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "a.b.c"}) {
            client.post("/api/auth/verify").sendJsonObject(new JsonObject().put("sessionToken", invalid)).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                assertFailure(r, 401);
                answered.flag();
            })));
        }
    }

    @Test
    @DisplayName("a malformed JSON body answers 400 {success:false, error}, on wait-pairing and on verify")
    void malformedJson(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(4);
        for (String path : new String[]{"/api/auth/wait-pairing", "/api/auth/verify"}) {
            for (String body : new String[]{"{\"token\":", "[1,2,3]"}) {
                client.post(path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body))
                        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                            assertThat(r.statusCode()).as("%s with %s", path, body).isEqualTo(400);
                            assertFailure(r, 400);
                            answered.flag();
                        })));
            }
        }
    }

    @Test
    @DisplayName("GET /api/auth/health and GET / answer 200 {success:true, ...}")
    void health(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(2);
        for (String path : new String[]{"/api/auth/health", "/"}) {
            client.get(path).send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                assertThat(json(r, 200).getValue("success")).as(path).isEqualTo(true);
                answered.flag();
            })));
        }
    }

    @Test
    @DisplayName("any other path or method answers 404 {success:false, error:\"Route not found\"}")
    void notFound(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(4);
        @SuppressWarnings("unchecked")
        HttpRequest<Buffer>[] requests = new HttpRequest[]{
                client.get("/nope"),
                client.get("/api/auth/nope"),
                client.post("/api/unknown"),
                client.request(HttpMethod.DELETE, "/api/auth/generate-qr")};
        for (HttpRequest<Buffer> request : requests) {
            request.send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                assertThat(json(r, 404)).isEqualTo(new JsonObject().put("success", false).put("error", "Route not found"));
                answered.flag();
            })));
        }
    }

    @Test
    @DisplayName("a browser on another origin may call the API: CORS headers on a request and on the preflight of a JSON POST")
    void cors(VertxTestContext ctx) {
        Checkpoint answered = ctx.checkpoint(2);
        client.get("/api/auth/generate-qr").putHeader("Origin", ORIGIN).send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.getHeader("Access-Control-Allow-Origin")).isIn(ORIGIN, "*");
            answered.flag();
        })));
        client.request(HttpMethod.OPTIONS, "/api/auth/wait-pairing")
                .putHeader("Origin", ORIGIN)
                .putHeader("Access-Control-Request-Method", "POST")
                .putHeader("Access-Control-Request-Headers", "content-type")
                .send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertThat(r.statusCode()).isIn(200, 204);
                    assertThat(r.getHeader("Access-Control-Allow-Origin")).isIn(ORIGIN, "*");
                    assertThat(r.getHeader("Access-Control-Allow-Methods")).containsIgnoringCase("POST");
                    assertThat(r.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");
                    answered.flag();
                })));
    }

    @Test
    @DisplayName("GET /api/auth/qr/{imageId}.png and .svg render the QR of a live pairing; an unknown handle, or the waiter token, answers 404")
    void qrImages(VertxTestContext ctx) {
        client.get("/api/auth/generate-qr").send().compose(gen -> {
            String image = gen.bodyAsJsonObject().getJsonObject("data").getString("imageId");
            String token = gen.bodyAsJsonObject().getJsonObject("data").getString("token");
            return Future.all(List.of(
                    client.get("/api/auth/qr/" + image + ".png").send(),
                    client.get("/api/auth/qr/" + image + ".svg").send(),
                    client.get("/api/auth/qr/" + UUID.randomUUID() + ".png").send(),
                    client.get("/api/auth/qr/" + UUID.randomUUID() + ".svg").send(),
                    client.get("/api/auth/qr/" + token + ".svg").send()));
        }).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
            HttpResponse<Buffer> png = all.resultAt(0);
            assertThat(png.statusCode()).isEqualTo(200);
            assertThat(png.getHeader("Content-Type")).isEqualTo("image/png");
            assertThat(png.body().getBytes(0, 8)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            HttpResponse<Buffer> svg = all.resultAt(1);
            assertThat(svg.statusCode()).isEqualTo(200);
            assertThat(svg.getHeader("Content-Type")).startsWith("image/svg+xml");
            assertThat(svg.bodyAsString()).contains("<svg");
            assertFailure(all.resultAt(2), 404);
            assertFailure(all.resultAt(3), 404);
            assertFailure(all.resultAt(4), 404);
            ctx.completeNow();
        })));
    }

    // ---- helpers ----

    /** Asserts the status and a JSON content type, and returns the body. */
    static JsonObject json(HttpResponse<Buffer> r, int status) {
        assertThat(r.statusCode()).as("status of %s", r.bodyAsString()).isEqualTo(status);
        assertThat(r.getHeader("Content-Type")).startsWith("application/json");
        return r.bodyAsJsonObject();
    }

    /** The original's failure envelope: exactly {success:false, error:"<non-empty text>"}. */
    static void assertFailure(HttpResponse<Buffer> r, int status) {
        JsonObject body = json(r, status);
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("success", "error");
        assertThat(body.getValue("success")).isEqualTo(false);
        assertThat(body.getValue("error")).isInstanceOf(String.class);
        assertThat(body.getString("error")).isNotBlank();
    }
}
