package io.relay.ops;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.relay.ops.TestSocket.await;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The demo pages and their API access")
class DemoRoutesTest {

    private static final String APP_ORIGIN = "http://localhost:5173";

    // Only the web app's origin is allowed cross-origin, as in the default configuration.
    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().corsOrigins(List.of(APP_ORIGIN)).build());
    private RelayNode node;
    private WebClient http;

    @BeforeEach
    void start() {
        node = relay.node();
        http = WebClient.create(relay.vertx(), new WebClientOptions().setFollowRedirects(false));
    }

    @AfterEach
    void stop() {
        http.close();
    }

    private HttpResponse<Buffer> get(String path) throws Exception {
        return await(http.get(node.port(), "127.0.0.1", path).send());
    }

    @Test
    @DisplayName("/demo/ and /demo/phone serve the pages, which load the official socket.io-client bundled in the jar")
    void pages() throws Exception {
        HttpResponse<Buffer> redirect = get("/demo");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.getHeader("Location")).isEqualTo("/demo/");

        HttpResponse<Buffer> web = get("/demo/");
        assertThat(web.statusCode()).isEqualTo(200);
        assertThat(web.getHeader("Content-Type")).startsWith("text/html");
        assertThat(web.bodyAsString()).contains("<script src=\"vendor/socket.io.min.js\"></script>").contains("demo.js");

        HttpResponse<Buffer> phone = get("/demo/phone");
        assertThat(phone.statusCode()).isEqualTo(200);
        assertThat(phone.bodyAsString()).contains("Phone simulator").contains("phone.js");

        HttpResponse<Buffer> client = get("/demo/vendor/socket.io.min.js");
        assertThat(client.statusCode()).isEqualTo(200);
        assertThat(client.getHeader("Content-Type")).contains("javascript");
        assertThat(client.bodyAsString()).startsWith("/*!\n * Socket.IO v4.");

        assertThat(get("/demo/nope.js").statusCode()).isEqualTo(404);
        assertThat(get("/").bodyAsJsonObject().getBoolean("success")).as("GET / keeps its JSON answer").isTrue();
    }

    @Test
    @DisplayName("the demo pages and every file they load carry a Content-Security-Policy, nosniff, frame-ancestors and X-Frame-Options DENY, and no-referrer")
    void securityHeaders() throws Exception {
        for (String path : List.of("/demo/", "/demo/phone", "/demo/phone.html", "/demo/demo.js", "/demo/phone.js", "/demo/demo.css",
                "/demo/vendor/socket.io.min.js")) {
            HttpResponse<Buffer> page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.getHeader("Content-Security-Policy")).as(path)
                    .isEqualTo(OpsRoutes.DEMO_CSP)
                    .contains("default-src 'none'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(page.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(page.getHeader("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(page.getHeader("Referrer-Policy")).as(path).isEqualTo("no-referrer");
        }
        // What the policy forbids, the pages must not need: no inline script, style or event handler.
        for (String path : List.of("/demo/", "/demo/phone")) {
            String html = get(path).bodyAsString();
            assertThat(html).as(path).doesNotContainPattern("<script(?![^>]*\\ssrc=)[^>]*>")
                    .doesNotContainPattern("(?i)\\sstyle=").doesNotContain("<style").doesNotContainPattern("(?i)\\son[a-z]+=");
        }
        assertThat(get("/demo").getHeader("X-Frame-Options")).as("the redirect too").isEqualTo("DENY");
    }

    @Test
    @DisplayName("a page served by the relay may call the API from its own origin; other origins still need CORS_ORIGIN")
    void sameOriginApiCalls() throws Exception {
        String self = "http://127.0.0.1:" + node.port();
        HttpResponse<Buffer> own = await(http.post(node.port(), "127.0.0.1", "/api/auth/verify")
                .putHeader("Origin", self).sendJsonObject(new JsonObject()));
        assertThat(own.statusCode()).as("not refused by CORS; the body is what is wrong").isEqualTo(400);

        HttpResponse<Buffer> app = await(http.post(node.port(), "127.0.0.1", "/api/auth/verify")
                .putHeader("Origin", APP_ORIGIN).sendJsonObject(new JsonObject()));
        assertThat(app.statusCode()).isEqualTo(400);
        assertThat(app.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP_ORIGIN);

        HttpResponse<Buffer> foreign = await(http.post(node.port(), "127.0.0.1", "/api/auth/verify")
                .putHeader("Origin", "http://evil.example").sendJsonObject(new JsonObject()));
        assertThat(foreign.statusCode()).isEqualTo(403);
    }

    @Test
    @DisplayName("a page served by the relay may open Socket.IO from its own origin; a foreign origin is refused the handshake")
    void sameOriginSocketIo() throws Exception {
        String self = "http://127.0.0.1:" + node.port();
        HttpResponse<Buffer> own = await(http.get(node.port(), "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", self).send());
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.bodyAsString()).startsWith("0{\"sid\":");

        HttpResponse<Buffer> foreign = await(http.get(node.port(), "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", "http://evil.example").send());
        assertThat(foreign.statusCode()).isEqualTo(403);
    }
}
