package io.relay.pairing;

import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the pairing REST calls answer to bad input. The store behind them counts every call: none of
 * these requests may reach the database. (The happy paths, which need one, are in PairingFlowTest.)
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Pairing REST calls refuse bad input before touching storage")
class PairingRoutesTest {

    private final AtomicInteger storeCalls = new AtomicInteger();
    private WebClient client;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayConfig config = TestConfigs.forDatabase(null);
        Store untouchable = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[]{Store.class},
                (proxy, method, args) -> {
                    storeCalls.incrementAndGet();
                    return Future.failedFuture(new IllegalStateException("storage must not be reached"));
                });
        PairingService service = new PairingService(vertx, config, untouchable, new SessionTokens(vertx, config.jwt()));
        Router router = Router.router(vertx);
        PairingRoutes.mount(router, service);
        vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .map(HttpServer::actualPort)
                .onComplete(ctx.succeeding(port -> {
                    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
                    ctx.completeNow();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{}", "{\"token\":null}", "{\"token\":42}", "{\"token\":\"\"}", "{\"token\":[\"x\"]}",
            "{\"token\":\"not-a-uuid\"}", "{\"token\":\"6F9619FF-8B86-D011-B42D-00C04FC964FF\"}"})
    @DisplayName("wait-pairing without a well-formed token answers 400 Token is required")
    void waitPairingWithoutToken(String body, VertxTestContext ctx) {
        post("/api/auth/wait-pairing", body).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertJsonError(r, 400, "Token is required");
            ctx.completeNow();
        })));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{", "not json", "[1,2]", "\"token\"", "{\"token\":\"x\",}"})
    @DisplayName("a body that is not a JSON object answers 400 Invalid JSON body")
    void malformedJson(String body, VertxTestContext ctx) {
        post("/api/auth/wait-pairing", body)
                .compose(r1 -> post("/api/auth/verify", body).map(r2 -> new HttpResponse<?>[]{r1, r2}))
                .onComplete(ctx.succeeding(rs -> ctx.verify(() -> {
                    assertJsonError(rs[0], 400, "Invalid JSON body");
                    assertJsonError(rs[1], 400, "Invalid JSON body");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a body over 16 KiB is refused with 413 in the same JSON envelope")
    void oversizedBody(VertxTestContext ctx) {
        String body = new JsonObject().put("token", "x".repeat(20_000)).encode();
        post("/api/auth/wait-pairing", body).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertJsonError(r, 413, "Request body too large");
            ctx.completeNow();
        })));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{}", "{\"sessionToken\":null}", "{\"sessionToken\":\"\"}", "{\"sessionToken\":7}"})
    @DisplayName("verify without a session token answers 400")
    void verifyWithoutToken(String body, VertxTestContext ctx) {
        post("/api/auth/verify", body).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertJsonError(r, 400, "Session token is required");
            ctx.completeNow();
        })));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkIiwic2lkIjoicyJ9."})
    @DisplayName("verify with a token that is not ours answers 401 Invalid or expired session")
    void verifyForgedToken(String jwt, VertxTestContext ctx) {
        post("/api/auth/verify", new JsonObject().put("sessionToken", jwt).encode()).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertJsonError(r, 401, "Invalid or expired session");
            ctx.completeNow();
        })));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nope.png", "6f9619ff-8b86-d011-b42d-00c04fc964ff.gif", "6f9619ff-8b86-d011-b42d-00c04fc964ff",
            "6F9619FF-8B86-D011-B42D-00C04FC964FF.png", "..%2F..%2Fetc%2Fpasswd.png"})
    @DisplayName("a QR image name that is not <imageId>.png or <imageId>.svg answers 404")
    void badQrImageName(String file, VertxTestContext ctx) {
        client.get("/api/auth/qr/" + file).send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.getHeader("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(r.bodyAsJsonObject().getBoolean("success")).isFalse();
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("the PNG size is clamped to 64..1024 and defaults to 320")
    void pngSizeClamped() {
        assertThat(PairingRoutes.pngSize(null)).isEqualTo(320);
        assertThat(PairingRoutes.pngSize("abc")).isEqualTo(320);
        assertThat(PairingRoutes.pngSize("10")).isEqualTo(64);
        assertThat(PairingRoutes.pngSize("99999")).isEqualTo(1024);
        assertThat(PairingRoutes.pngSize("500")).isEqualTo(500);
    }

    @Test
    @DisplayName("a storage failure while generating a QR answers 500 in the JSON envelope")
    void generateFailure(VertxTestContext ctx) {
        client.get("/api/auth/generate-qr").send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.getHeader("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(r.bodyAsJsonObject().getBoolean("success")).isFalse();
            assertThat(r.bodyAsJsonObject().getString("error")).isNotBlank();
            storeCalls.set(0); // this one is expected to reach the store
            ctx.completeNow();
        })));
    }

    private Future<HttpResponse<Buffer>> post(String path, String body) {
        return client.post(path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
    }

    private void assertJsonError(HttpResponse<?> r, int status, String error) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.getHeader("Cache-Control")).as("pairing replies are never cached").isEqualTo("no-store");
        assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", false).put("error", error));
        assertThat(storeCalls).as("calls to storage").hasValue(0);
    }
}
