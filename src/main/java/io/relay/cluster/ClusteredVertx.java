package io.relay.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.internal.util.ConcurrencyUtil;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import io.netty.util.concurrent.DefaultThreadFactory;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
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
    /** Hazelcast member attribute carrying this process's member id (random, never reused). */
    static final String MEMBER_ID_ATTRIBUTE = "relay.memberId";

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
        // Netty's epoll transport where the platform has it (Linux on x86-64 or aarch64; NIO elsewhere, or with
        // -Dio.netty.transport.noNative=true). NIO's selector waits in whole milliseconds, so an event loop spins
        // on non-blocking selects for up to half a millisecond before each timer it runs (the group commit's
        // window among them), and it costs more system calls per message: a tenth of the node's CPU at 1,500
        // messages a second (BENCHMARKS.md, round of 2026-12-04, late night).
        options.setPreferNativeTransport(true);
        // One HTTP verticle instance runs on each (RelayNode): see RelayConfig.effectiveEventLoops for why so few.
        int eventLoops = config.effectiveEventLoops();
        options.setEventLoopPoolSize(eventLoops);
        if (!cluster.enabled()) {
            return Future.succeededFuture(new ClusteredVertx(logTransport(Vertx.vertx(options), eventLoops), Membership.standalone(config.nodeId())));
        }
        reuseCallbackThreads();
        Config hazelcast = HazelcastSettings.of(cluster);
        // Peers learn this node's NODE_ID with its membership, so they know whose sessions went when it leaves.
        hazelcast.getMemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, config.nodeId());
        String memberId = UUID.randomUUID().toString();
        hazelcast.getMemberAttributeConfig().setAttribute(MEMBER_ID_ATTRIBUTE, memberId);
        HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
        options.setEventBusOptions(new EventBusOptions()
                .setHost(cluster.host())
                .setPort(cluster.eventBusPort())
                .setClusterPublicHost(cluster.publicHost()));
        return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                .map(vertx -> logTransport(vertx, eventLoops))
                .map(vertx -> {
                    HazelcastMembership membership = new HazelcastMembership(manager, memberId);
                    log.info("joined cluster {} as member {} (node {}), members: {}", cluster.name(), membership.localNodeId(),
                            config.nodeId(), manager.getHazelcastInstance().getCluster().getMembers());
                    return new ClusteredVertx(vertx, membership);
                });
    }

    private static Vertx logTransport(Vertx vertx, int eventLoops) {
        if (vertx.isNativeTransportEnabled()) {
            log.info("network transport: native (epoll), {} event loop(s)", eventLoops);
        } else {
            log.info("network transport: NIO (native transport unavailable: {}), {} event loop(s)", vertx.unavailableNativeTransportCause(), eventLoops);
        }
        return vertx;
    }

    /**
     * Hazelcast completes its asynchronous operations (the cluster-wide map behind presence, among others) on
     * a default executor which, where the common fork-join pool has fewer than two threads (any machine with
     * two cores or fewer, as Kubernetes pods often are), starts a new thread for every callback: 600 threads
     * in 12 s on a 3-node cluster pairing 200 browsers a second. A cached pool reuses them.
     */
    private static void reuseCallbackThreads() {
        if (ForkJoinPool.getCommonPoolParallelism() < 2) {
            ConcurrencyUtil.setDefaultAsyncExecutor(CALLBACKS);
        }
    }

    private static final ExecutorService CALLBACKS =
            Executors.newCachedThreadPool(new DefaultThreadFactory("relay-hazelcast-callback", true));

    /**
     * Listens on Hazelcast directly: Vert.x keeps the cluster manager's single node listener for itself.
     * Ids are this relay's own per-process member ids (the {@value #MEMBER_ID_ATTRIBUTE} attribute), for
     * this node and for those that leave alike: not Hazelcast's member UUID, which a split-brain merge
     * replaces (so presence entries written before a partition would name a member that no longer
     * exists, and a phone that never left would show offline), and not Vert.x's {@code getNodeId()}.
     */
    private static final class HazelcastMembership implements Membership, MembershipListener, LifecycleListener {
        /** Members seen leaving, kept to recognise one that comes back (a partition healed), not a fresh node. */
        private static final int REMEMBERED_DEPARTURES = 1024;

        private final HazelcastClusterManager manager;
        private final String memberId;
        private final List<Consumer<Departure>> listeners = new CopyOnWriteArrayList<>();
        private final List<Runnable> rejoinListeners = new CopyOnWriteArrayList<>();
        private final Set<String> departed = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > REMEMBERED_DEPARTURES;
            }
        });

        HazelcastMembership(HazelcastClusterManager manager, String memberId) {
            this.manager = manager;
            this.memberId = memberId;
            manager.getHazelcastInstance().getCluster().addMembershipListener(this);
            manager.getHazelcastInstance().getLifecycleService().addLifecycleListener(this);
        }

        @Override
        public String localNodeId() {
            return memberId;
        }

        @Override
        public void onNodeLeft(Consumer<Departure> listener) {
            listeners.add(listener);
        }

        @Override
        public void onRejoined(Runnable listener) {
            rejoinListeners.add(listener);
        }

        @Override
        public boolean joined() {
            return manager.isActive();
        }

        @Override
        public int size() {
            return manager.getHazelcastInstance().getCluster().getMembers().size();
        }

        @Override
        public boolean isMember(String id) {
            return manager.getHazelcastInstance().getCluster().getMembers().stream()
                    .anyMatch(member -> id.equals(member.getAttribute(MEMBER_ID_ATTRIBUTE)));
        }

        @Override
        public void memberAdded(MembershipEvent event) {
            String id = event.getMember().getAttribute(MEMBER_ID_ATTRIBUTE);
            boolean back;
            synchronized (departed) {
                back = departed.remove(id);
            }
            log.info("cluster member joined: {} (node {}){}, members now {}", id, event.getMember().getAttribute(NODE_ID_ATTRIBUTE),
                    back ? ", back after it was lost (partition healed)" : "", event.getMembers().size());
            if (back) {
                rejoined();
            }
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
            Departure departure = new Departure(event.getMember().getAttribute(MEMBER_ID_ATTRIBUTE), event.getMember().getAttribute(NODE_ID_ATTRIBUTE));
            synchronized (departed) {
                departed.add(departure.memberId());
            }
            log.warn("cluster member left: {} (node {}), members now {}", departure.memberId(), departure.nodeId(), event.getMembers().size());
            listeners.forEach(listener -> listener.accept(departure));
        }

        @Override
        public void stateChanged(LifecycleEvent event) {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
                log.warn("split brain: merging into the larger cluster (this side's cluster data is replaced by the other side's)");
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                log.warn("split brain healed: merged, members now {}", size());
                rejoined();
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGE_FAILED) {
                log.error("split brain: merge failed; this node stays apart until the next attempt");
            }
        }

        private void rejoined() {
            rejoinListeners.forEach(Runnable::run);
        }
    }
}
