package io.relay.cluster;

import com.hazelcast.config.Config;
import io.relay.config.RelayConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Hazelcast settings of a node")
class HazelcastSettingsTest {

    private static RelayConfig.Cluster tcp(String host, List<String> members) {
        return new RelayConfig.Cluster(true, "relay", RelayConfig.Cluster.Discovery.TCP, members, host, host, 5701, 17001, null, null, null);
    }

    @Test
    @DisplayName("on separate hosts a member named without a port is looked for on the pinned port only, and the node never slips to another port")
    void separateHostsUseThePinnedPort() {
        Config config = HazelcastSettings.of(tcp("10.0.0.11", List.of("10.0.0.11", "10.0.0.12:5801", "relay-2.relay-hazelcast")));

        assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("10.0.0.11:5701", "10.0.0.12:5801", "relay-2.relay-hazelcast:5701");
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
        assertThat(config.getNetworkConfig().getPublicAddress()).isEqualTo("10.0.0.11");
    }

    @Test
    @DisplayName("on one machine (loopback) nodes share the host: members are looked for on the next ports too")
    void oneMachineTriesAPortRange() {
        Config config = HazelcastSettings.of(tcp("127.0.0.1", List.of("127.0.0.1")));

        assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isTrue();
    }

    @Test
    @DisplayName("a healed partition is looked for every 5 s from 5 s on, and a silent member is dropped after 5 s")
    void splitBrainIsLookedForSoon() {
        Config config = HazelcastSettings.of(tcp("10.0.0.11", List.of("10.0.0.12")));

        assertThat(config.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("5");
        assertThat(config.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("5");
        assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    }
}
