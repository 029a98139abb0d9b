package io.relay.ops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo pages load the browser bundle of socket.io-client from the jar. It is kept as a file among
 * the sources, so that every build (the image's included) makes the same jar without Node; the test
 * clients' npm lock file stays the one place that names the version, and this test holds the copy to it.
 */
@DisplayName("The demo's socket.io client")
class DemoVendorTest {

    private static final Path VENDOR = Path.of("src/main/resources/webroot/demo/vendor");

    @Test
    @DisplayName("is the official socket.io-client browser bundle, byte for byte the version the tests drive the relay with")
    void sameAsTestClients() {
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node"));
        Path dist = nodeDir.resolve("node_modules/socket.io-client/dist");
        assertThat(dist).as("npm ci ran in %s", nodeDir).isDirectory();
        for (String file : List.of("socket.io.min.js", "socket.io.min.js.map")) {
            assertThat(VENDOR.resolve(file))
                    .as("%s is the test clients' copy; after changing their socket.io-client version: cp %s %s",
                            file, dist.resolve(file), VENDOR.resolve(file))
                    .hasSameBinaryContentAs(dist.resolve(file));
        }
    }
}
