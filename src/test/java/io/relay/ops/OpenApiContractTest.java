package io.relay.ops;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static io.relay.ops.TestSocket.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document served at /openapi.json is a valid OpenAPI 3.1 contract, and the node's real
 * answers, success and failure, match it: for every response below, its operation declares that
 * status and content type, and a JSON body validates against the declared schema (JSON Schema
 * 2020-12, vertx-json-schema). Every operation of the contract is exercised.
 *
 * <p>vertx-openapi's own response validator refuses contracts with image media types (the QR
 * images), so it is used only to check the document against the OpenAPI meta-schema and to resolve
 * its references.
 */
@DisplayName("The OpenAPI document")
class OpenApiContractTest {

    /** Short, so the 408 of an expired QR comes quickly; long enough to pair within it. */
    private static final Duration QR_TTL = Duration.ofSeconds(3);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().pairing(new RelayConfig.Pairing(QR_TTL)).build());
    private RelayNode node;
    private WebClient http;
    /** The document with every $ref resolved. */
    private JsonObject contract;
    private final Set<String> exercised = new TreeSet<>();
    private Vertx vertx;

    @BeforeEach
    void start() throws Exception {
        vertx = relay.vertx();
        node = relay.node();
        http = WebClient.create(vertx);
        HttpResponse<Buffer> document = await(request("GET", "/openapi.json").send());
        assertThat(document.statusCode()).isEqualTo(200);
        JsonObject raw = document.bodyAsJsonObject();
        OpenAPIVersion version = OpenAPIVersion.fromContract(raw);
        assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
        SchemaRepository repository = await(version.getRepository(vertx, "app://"));
        OutputUnit meta = await(version.validateContract(vertx, repository, raw));
        meta.checkValidity();
        contract = await(version.resolve(vertx, repository, raw));
        check("openapi", document);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    @Test
    @DisplayName("describes every REST answer the node gives, and the node gives only answers it describes")
    void realResponsesMatch() throws Exception {
        check("root", await(request("GET", "/").send()));
        check("authHealth", await(request("GET", "/api/auth/health").send()));
        check("liveness", await(request("GET", "/health/live").send()));
        check("readiness", await(request("GET", "/health/ready").send()));
        check("metrics", await(request("GET", "/metrics").send()));

        // Pairing, the happy path: QR, its images, a phone scans, the long-poll answers, the session verifies.
        HttpResponse<Buffer> generated = check("generateQr", await(request("GET", "/api/auth/generate-qr").send()));
        JsonObject qr = generated.bodyAsJsonObject().getJsonObject("data");
        String token = qr.getString("token");
        String image = qr.getString("imageId");
        check("qrImage", await(request("GET", "/api/auth/qr/" + image + ".svg").send()));
        check("qrImage", await(request("GET", "/api/auth/qr/" + image + ".png?size=128").send()));
        check("qrImage", await(request("GET", "/api/auth/qr/" + token + ".svg").send()), 404); // the token is no image handle
        Future<HttpResponse<Buffer>> waiting = request("POST", "/api/auth/wait-pairing").sendJsonObject(new JsonObject().put("token", token));
        try (TestSocket phone = TestSocket.connect(vertx, node.port())) {
            phone.emit("mobile:register", new JsonObject().put("deviceId", "openapi-phone"));
            phone.await("authenticated");
            phone.emit("mobile:scan-qr", new JsonObject().put("qrData", qr.getString("qrData")).put("deviceId", "openapi-phone"));
            phone.await("qr:paired");
        }
        String session = check("waitPairing", await(waiting)).bodyAsJsonObject().getJsonObject("data").getString("sessionToken");
        check("verifySession", await(request("POST", "/api/auth/verify").sendJsonObject(new JsonObject().put("sessionToken", session))));

        // The failures a client can meet.
        check("qrImage", await(request("GET", "/api/auth/qr/" + image + ".svg").send()), 404); // used
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing").sendJsonObject(new JsonObject().put("token", token))), 410);
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing").sendJsonObject(new JsonObject())), 400);
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing")
                .sendJsonObject(new JsonObject().put("token", "00000000-0000-4000-8000-000000000000"))), 404);
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing").sendBuffer(Buffer.buffer("{not json"))), 400);
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing")
                .sendJsonObject(new JsonObject().put("token", "x".repeat(20_000)))), 413);
        check("verifySession", await(request("POST", "/api/auth/verify").sendJsonObject(new JsonObject())), 400);
        check("verifySession", await(request("POST", "/api/auth/verify").sendJsonObject(new JsonObject().put("sessionToken", "not.a.jwt"))), 401);
        String expiring = await(request("GET", "/api/auth/generate-qr").send()).bodyAsJsonObject().getJsonObject("data").getString("token");
        check("waitPairing", await(request("POST", "/api/auth/wait-pairing").sendJsonObject(new JsonObject().put("token", expiring))), 408);
        node.drain();
        check("readiness", await(request("GET", "/health/ready").send()), 503);

        Set<String> described = new TreeSet<>();
        operations().forEach(operation -> described.add(operation.getString("operationId")));
        assertThat(exercised).as("operations exercised by this test").isEqualTo(described);
    }

    private HttpRequest<Buffer> request(String method, String path) {
        return http.request(io.vertx.core.http.HttpMethod.valueOf(method), node.port(), "127.0.0.1", path);
    }

    private HttpResponse<Buffer> check(String operationId, HttpResponse<Buffer> response) {
        return check(operationId, response, 200);
    }

    /** Asserts the status, then that the operation declares it with this content type, and that the body fits the schema. */
    private HttpResponse<Buffer> check(String operationId, HttpResponse<Buffer> response, int expectedStatus) {
        assertThat(response.statusCode()).as("%s status; body %s", operationId, response.bodyAsString()).isEqualTo(expectedStatus);
        JsonObject declared = operation(operationId).getJsonObject("responses").getJsonObject(String.valueOf(response.statusCode()));
        assertThat(declared).as("%s declares status %s", operationId, response.statusCode()).isNotNull();
        String contentType = response.getHeader("Content-Type");
        assertThat(contentType).as("%s %s has a content type", operationId, response.statusCode()).isNotNull();
        String mediaType = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        JsonObject media = declared.getJsonObject("content", new JsonObject()).getJsonObject(mediaType);
        assertThat(media).as("%s %s declares %s", operationId, response.statusCode(), mediaType).isNotNull();
        Buffer body = response.body() == null ? Buffer.buffer() : response.body();
        switch (mediaType) {
            case "application/json" -> {
                Validator validator = Validator.create(JsonSchema.of(media.getJsonObject("schema")),
                        new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("app://"));
                OutputUnit result = validator.validate(new JsonObject(body));
                assertThat(result.getValid()).as("%s %s body %s fits its schema: %s", operationId, response.statusCode(),
                        body, result.toJson().encode()).isTrue();
            }
            case "image/png" -> assertThat(body.getBytes(0, 4)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G'});
            case "image/svg+xml" -> assertThat(body.toString()).contains("<svg");
            default -> assertThat(body.length()).isPositive();
        }
        exercised.add(operationId);
        return response;
    }

    private JsonObject operation(String operationId) {
        return operations().stream().filter(operation -> operationId.equals(operation.getString("operationId"))).findFirst()
                .orElseThrow(() -> new AssertionError("no operation " + operationId + " in the OpenAPI document"));
    }

    /** Every operation object (the resolver adds bookkeeping strings next to them, hence the filter). */
    private java.util.List<JsonObject> operations() {
        java.util.List<JsonObject> operations = new java.util.ArrayList<>();
        JsonObject paths = contract.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            if (!(paths.getValue(path) instanceof JsonObject item)) {
                continue;
            }
            for (String method : item.fieldNames()) {
                if (item.getValue(method) instanceof JsonObject operation && operation.containsKey("operationId")) {
                    operations.add(operation);
                }
            }
        }
        return operations;
    }
}
