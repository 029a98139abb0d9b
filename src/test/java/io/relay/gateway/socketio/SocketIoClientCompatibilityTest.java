package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The official socket.io-client 4.x, run by Node, against the server. */
@ExtendWith(VertxExtension.class)
@DisplayName("The official socket.io-client")
class SocketIoClientCompatibilityTest {

    private static final int MAX_PAYLOAD = 1_000_000;
    private int port;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext testContext) throws IOException {
        port = freePort();
        SocketIoOptions options = EchoVerticle.options(Duration.ofMillis(25_000), Duration.ofMillis(20_000), MAX_PAYLOAD);
        // Two instances: polling requests of one session land on different event loops.
        EngineIoRegistry node = new EngineIoRegistry();
        vertx.deployVerticle(() -> new EchoVerticle(options, port, node), new DeploymentOptions().setInstances(2))
                .onComplete(testContext.succeedingThenComplete());
    }

    @Test
    @DisplayName("connects over websocket, polling with upgrade and polling only; echoes events, acks, binaries, long messages and sees a server disconnect")
    void echoScenarios() throws Exception {
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node"));
        assertThat(nodeDir.resolve("node_modules/socket.io-client")).as("npm ci ran in %s", nodeDir).exists();
        Path log = Files.createTempFile("proto-echo", ".log");
        Process process = new ProcessBuilder("node", "proto-echo.js", "http://127.0.0.1:" + port, String.valueOf(MAX_PAYLOAD))
                .directory(nodeDir.toFile())
                .redirectError(log.toFile())
                .start();
        // Read on another thread so a hung client cannot hang the test past its timeout.
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        boolean exited = process.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String out = stdout.get(5, TimeUnit.SECONDS).trim();
        String stderr = Files.readString(log);
        assertThat(exited).as("node client finished in time; stderr: %s", stderr).isTrue();
        String[] lines = out.split("\n");
        JsonObject result = new JsonObject(lines[lines.length - 1]);
        assertThat(result.getBoolean("ok")).as("client result %s; stderr: %s", out, stderr).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(result.getJsonArray("results").stream().map(r -> ((JsonObject) r).getString("transport")))
                .containsExactly("websocket", "websocket", "polling");
        assertThat(result.getJsonArray("results").stream().map(r -> ((JsonObject) r).getString("disconnectReason")))
                .containsOnly("io server disconnect");
        List<String> connected = result.getJsonArray("results").stream().map(r -> ((JsonObject) r).getString("connectedWith")).toList();
        // The default client may finish its upgrade before the Socket.IO CONNECT answer arrives.
        assertThat(connected.get(0)).isEqualTo("websocket");
        assertThat(connected.get(2)).isEqualTo("polling");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
