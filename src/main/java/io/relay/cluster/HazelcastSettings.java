package io.relay.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.relay.config.ConfigException;
import io.relay.config.RelayConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hazelcast configuration of a node: {@code cluster.xml} (from the working directory, else the copy
 * in the jar) for what is the same everywhere, with the network taken from the relay's configuration,
 * so operators switch discovery with environment variables and never edit XML.
 */
final class HazelcastSettings {
    private static final String FILE = "cluster.xml";

    private HazelcastSettings() {
    }

    static Config of(RelayConfig.Cluster cluster) {
        Config config = load();
        config.setClusterName(cluster.name());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        boolean oneMachine = isLoopback(cluster.host());
        // Members listed without a port are tried on this many ports from hazelcastPort: several nodes per host.
        config.setProperty("hazelcast.tcp.join.port.try.count", "10");
        NetworkConfig network = config.getNetworkConfig();
        // On its own host a node takes its pinned port or fails: a node that slipped to the next port would be
        // looked for where it is not.
        network.setPort(cluster.hazelcastPort()).setPortAutoIncrement(oneMachine);
        network.setPublicAddress(cluster.publicHost());
        network.getInterfaces().setEnabled(true).clear().addInterface(cluster.host());
        // Bind where we advertise: with a specific interface Hazelcast must not bind the wildcard.
        config.setProperty("hazelcast.socket.bind.any", "false");

        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cluster.discovery() == RelayConfig.Cluster.Discovery.KUBERNETES) {
            join.getTcpIpConfig().setEnabled(false);
            var kubernetes = join.getKubernetesConfig().setEnabled(true);
            if (cluster.kubernetesServiceDns() != null) {
                kubernetes.setProperty("service-dns", cluster.kubernetesServiceDns());
            } else {
                kubernetes.setProperty("service-name", cluster.kubernetesServiceName());
                if (cluster.kubernetesNamespace() != null) {
                    kubernetes.setProperty("namespace", cluster.kubernetesNamespace());
                }
            }
            kubernetes.setProperty("service-port", String.valueOf(cluster.hazelcastPort()));
        } else {
            join.getKubernetesConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setMembers(oneMachine ? cluster.members() : pinned(cluster.members(), cluster.hazelcastPort()));
        }
        return config;
    }

    /**
     * Members on separate hosts all listen on the same pinned port, so a member named without a port is
     * {@code host:port} exactly. Left without one, Hazelcast would also try the next nine ports of every
     * member (meant for several nodes on one machine), and its split-brain check waits up to 5 s on each
     * address that does not answer: after a partition the sides took minutes to even find each other.
     */
    static java.util.List<String> pinned(java.util.List<String> members, int port) {
        return members.stream().map(m -> hasPort(m) ? m : (m.contains(":") ? "[" + m + "]" : m) + ":" + port).toList();
    }

    private static boolean hasPort(String member) {
        if (member.startsWith("[")) {
            return member.contains("]:");
        }
        return member.indexOf(':') > 0 && member.indexOf(':') == member.lastIndexOf(':');
    }

    private static boolean isLoopback(String host) {
        return host.startsWith("127.") || host.equals("localhost") || host.equals("::1");
    }

    private static Config load() {
        Path local = Path.of(FILE);
        try (InputStream in = Files.isRegularFile(local) ? Files.newInputStream(local) : HazelcastSettings.class.getResourceAsStream("/" + FILE)) {
            if (in == null) {
                return new Config();
            }
            return new XmlConfigBuilder(in).build();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("cannot read " + FILE + ": " + e.getMessage());
        }
    }
}
