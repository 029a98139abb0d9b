package io.relay.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import io.relay.cluster.Membership.Departure;
import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Starts Vert.x for a node: clustered over Hazelcast when the configuration says so, plain otherwise.
 * The event bus binds to {@code cluster.host} on {@code cluster.eventBusPort} and advertises
 * {@code cluster.publicHost}; Hazelcast only carries membership and subscriptions.
 */
public final class ClusteredVertx {
    private static final Logger log = LoggerFactory.getLogger(ClusteredVertx.class);
    /** Hazelcast member attribute carrying the relay's NODE_ID. */
    static final String NODE_ID_ATTRIBUTE = "relay.nodeId";

    private final Vertx vertx;
    private final Membership membership;

    private ClusteredVertx(Vertx vertx, Membership membership) {
        this.vertx = vertx;
        this.membership = membership;
    }

    public Vertx vertx() {
        return vertx;
    }

    public Membership membership() {
        return membership;
    }

    /** Vert.x with {@code options} (metrics and the like), clustered when {@code config.cluster().enabled()}. */
    public static Future<ClusteredVertx> start(RelayConfig config, VertxOptions options) {
        RelayConfig.Cluster cluster = config.cluster();
        if (!cluster.enabled()) {
            return Future.succeededFuture(new ClusteredVertx(Vertx.vertx(options), Membership.standalone(config.nodeId())));
        }
        Config hazelcast = HazelcastSettings.of(cluster);
        // Peers learn this node's NODE_ID with its membership, so they know whose sessions went when it leaves.
        hazelcast.getMemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, config.nodeId());
        HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
        options.setEventBusOptions(new EventBusOptions()
                .setHost(cluster.host())
                .setPort(cluster.eventBusPort())
                .setClusterPublicHost(cluster.publicHost()));
        return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                .map(vertx -> {
                    HazelcastMembership membership = new HazelcastMembership(manager);
                    log.info("joined cluster {} as member {} (node {}), members: {}", cluster.name(), membership.localNodeId(),
                            config.nodeId(), manager.getHazelcastInstance().getCluster().getMembers());
                    return new ClusteredVertx(vertx, membership);
                });
    }

    /**
     * Listens on Hazelcast directly: Vert.x keeps the cluster manager's single node listener for itself.
     * Ids are Hazelcast member UUIDs, for this node and for those that leave alike. (Not Vert.x's
     * {@code getNodeId()}: since Vert.x 5 that is a separate random id, so it never matched a departed
     * member's UUID, and no browser heard that its phone's node had died.)
     */
    private static final class HazelcastMembership implements Membership, MembershipListener {
        private final HazelcastClusterManager manager;
        private final List<Consumer<Departure>> listeners = new CopyOnWriteArrayList<>();

        HazelcastMembership(HazelcastClusterManager manager) {
            this.manager = manager;
            manager.getHazelcastInstance().getCluster().addMembershipListener(this);
        }

        @Override
        public String localNodeId() {
            return manager.getHazelcastInstance().getCluster().getLocalMember().getUuid().toString();
        }

        @Override
        public void onNodeLeft(Consumer<Departure> listener) {
            listeners.add(listener);
        }

        @Override
        public boolean joined() {
            return manager.isActive();
        }

        @Override
        public boolean isMember(String memberId) {
            // Hazelcast member ids, as localNodeId() gives them (Vert.x 5's own node ids differ).
            return manager.getHazelcastInstance().getCluster().getMembers().stream()
                    .anyMatch(member -> member.getUuid().toString().equals(memberId));
        }

        @Override
        public void memberAdded(MembershipEvent event) {
            log.info("cluster member joined: {} (node {})", event.getMember().getUuid(), event.getMember().getAttribute(NODE_ID_ATTRIBUTE));
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
            Departure departure = new Departure(event.getMember().getUuid().toString(), event.getMember().getAttribute(NODE_ID_ATTRIBUTE));
            log.warn("cluster member left: {} (node {})", departure.memberId(), departure.nodeId());
            listeners.forEach(listener -> listener.accept(departure));
        }
    }
}
