package io.relay.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The configuration's defaults and builder")
class RelayConfigTest {

    @Test
    @DisplayName("an operator who sets nothing gets the builder's defaults, whatever conf/config.json ships")
    void loaderFallsBackToTheDefaults() {
        RelayConfig loaded = ConfigLoader.load(new JsonObject(), Map.of("JWT_SECRET", "x".repeat(40), "NODE_ID", "n1"));
        RelayConfig defaults = RelayConfig.defaults().toBuilder().nodeId("n1").jwt(loaded.jwt()).build();
        assertThat(loaded).isEqualTo(defaults);
        assertThat(ConfigLoader.readConfigFile(Map.of())).as("the shipped file only overrides").isEqualTo(new JsonObject());
    }

    @Test
    @DisplayName("by default the original web app's development origin may call the relay, as the original apps need")
    void defaultOriginIsTheOriginalWebApps() {
        assertThat(RelayConfig.defaults().corsOrigins()).containsExactly("http://localhost:5173");
    }

    @Test
    @DisplayName("toBuilder() changes what it is told and keeps the rest, nested settings included")
    void toBuilderKeepsTheRest() {
        RelayConfig base = RelayConfig.defaults();
        assertThat(base.toBuilder().build()).isEqualTo(base);
        RelayConfig changed = base.toBuilder().port(4000)
                .security(s -> s.identifyTimeout(Duration.ZERO))
                .socket(s -> s.pingInterval(Duration.ofSeconds(1)))
                .build();
        assertThat(changed.port()).isEqualTo(4000);
        assertThat(changed.security()).isEqualTo(base.security().toBuilder().identifyTimeout(Duration.ZERO).build());
        assertThat(changed.security().eventBurst()).isEqualTo(base.security().eventBurst());
        assertThat(changed.socket().pingInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(changed.socket().pingTimeout()).isEqualTo(base.socket().pingTimeout());
        assertThat(changed.toBuilder().port(base.port()).security(base.security()).socket(base.socket()).build()).isEqualTo(base);
        assertThat(List.of(changed.nodeId(), changed.corsOrigins())).containsExactly(base.nodeId(), base.corsOrigins());
    }
}
