package io.relay;

import io.relay.config.ConfigException;
import io.relay.config.ConfigLoader;
import io.relay.config.RelayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one relay node: reads the configuration, then deploys the verticles in order. */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        RelayConfig config;
        try {
            config = ConfigLoader.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            log.error("Configuration error: {}", e.getMessage());
            System.exit(2);
            return;
        }
        log.info("relay node {} configured for port {}", config.nodeId(), config.port());
    }
}
