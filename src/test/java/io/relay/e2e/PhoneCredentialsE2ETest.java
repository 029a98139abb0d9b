package io.relay.e2e;

import io.relay.LogCapture;
import io.relay.RelayNode;
import io.relay.config.PhoneSecretPolicy;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nobody registers as a phone they are not: the device secret handed out on a deviceId's first
 * register, under both phone-secret policies, played by {@code relay-credentials.js} with the official client.
 */
@DisplayName("Phone credentials")
class PhoneCredentialsE2ETest {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults().startedInTest();
    private RelayNode node;

    private void start(PhoneSecretPolicy policy) throws Exception {
        node = relay.start(config -> config.toBuilder().security(s -> s.phoneSecrets(policy)).build());
    }

    @Test
    @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
    @DisplayName("required: a takeover without the secret or with a wrong one is refused and the real phone keeps its route; the secret is accepted in the payload or in auth; of racing first registers exactly one gets a secret")
    void required() throws Exception {
        start(PhoneSecretPolicy.REQUIRED);
        JsonObject result = NodeScript.assertPasses("relay-credentials.js", SCRIPT_TIMEOUT, "http://127.0.0.1:" + node.port(), "required");
        assertThat(result.getInteger("racersWithSecret")).as("racing first registers handed a secret").isEqualTo(1);
        assertThat(result.getInteger("racersAdmitted")).as("racing first registers admitted without a secret").isEqualTo(1);
    }

    @Test
    @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
    @DisplayName("bind-on-first-use (the default): a phone that never presented its secret is admitted without it, counted and logged once; once it presented it, it is bound and a register without it is refused; a wrong secret is always refused")
    void bindOnFirstUse() throws Exception {
        start(PhoneSecretPolicy.BIND_ON_FIRST_USE);
        try (LogCapture logs = new LogCapture()) {
            JsonObject result = NodeScript.assertPasses("relay-credentials.js", SCRIPT_TIMEOUT, "http://127.0.0.1:" + node.port(), "default");
            assertThat(result.getInteger("racersWithSecret")).as("racing first registers handed a secret").isEqualTo(1);
            assertThat(result.getInteger("racersAdmitted")).as("racers without the secret are legacy devices, admitted").isEqualTo(3);
            String device = "device=" + result.getString("phone") + " ";
            assertThat(logs.lines()).as("legacy-device lines for the phone that registered twice without its secret")
                    .filteredOn(line -> line.startsWith("legacy phone admitted") && line.contains(device)).hasSize(1);
            assertThat(logs.lines()).filteredOn(line -> line.startsWith("phone bound to its device secret") && line.contains(device)).hasSize(1);
        }
    }
}
