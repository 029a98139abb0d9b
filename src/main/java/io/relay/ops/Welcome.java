package io.relay.ops;

import io.relay.config.RelayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The lines a first-time user reads after starting a node: where to click. */
public final class Welcome {
    private static final Logger log = LoggerFactory.getLogger(Welcome.class);

    private Welcome() {
    }

    public static void log(RelayConfig config, int port) {
        String base = "http://" + browsableHost(config.host()) + ":" + port;
        log.info("""
                relay node {} is ready. Open:
                  {}/demo/          the web client: shows a QR, then conversations live
                  {}/demo/phone     a simulated phone: paste the QR text to pair, send SMS
                  {}/health/ready   readiness ({}/health/live for liveness)
                  {}/metrics        Prometheus metrics
                  {}/openapi.json   the REST API""",
                config.nodeId(), base, base, base, base, base, base);
    }

    /** A wildcard bind address is not something a browser can open. */
    static String browsableHost(String host) {
        return switch (host) {
            case "0.0.0.0", "::", "[::]", "" -> "localhost";
            default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        };
    }
}
