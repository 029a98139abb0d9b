package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Starts relay nodes for the end-to-end tests. */
final class TestNodes {

    private TestNodes() {
    }

    /**
     * Starts a node on a port picked here rather than on port 0: these tests are about the wire, and
     * must not depend on how the node resolves an ephemeral port with several HTTP verticles (that has
     * its own test in {@link RelayNodeStartE2ETest}).
     */
    static Future<RelayNode> start(Vertx vertx, RelayConfig config) {
        return RelayNode.start(vertx, config.port() == 0 ? config.withPort(freePort()) : config);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
