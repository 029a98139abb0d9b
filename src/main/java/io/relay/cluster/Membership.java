package io.relay.cluster;

import java.util.function.Consumer;

/**
 * Who this node is among its peers, and news of peers that left. Standalone nodes are a cluster of
 * one whose peers never leave.
 */
public interface Membership {

    /**
     * This node's id among its peers, stable for the life of the process (also across a split-brain
     * merge, which gives the Hazelcast member a new UUID) and never reused by another process: what
     * {@link #onNodeLeft} reports to the others when this node goes.
     */
    String localNodeId();

    /** Called for every node that leaves the cluster, whether it shut down or died (or is cut off by a partition). */
    void onNodeLeft(Consumer<Departure> listener);

    /**
     * Called when this node is one cluster again with peers it had lost (a partition healed: this node
     * merged, or a member that had left came back with the same process). Until then each side went on
     * alone, so routes, presence and what browsers were handed may be behind. Not called for nodes that
     * simply start or stop.
     */
    default void onRejoined(Runnable listener) {
    }

    /** How many members this node sees in its cluster, itself included (1 standalone). */
    default int size() {
        return 1;
    }

    /** True while this node is a member of its cluster (always true standalone). */
    boolean joined();

    /** True when the node with this id is a member of the cluster right now. */
    boolean isMember(String nodeId);

    static Membership standalone(String nodeId) {
        return new Membership() {
            @Override
            public String localNodeId() {
                return nodeId;
            }

            @Override
            public void onNodeLeft(Consumer<Departure> listener) {
            }

            @Override
            public boolean joined() {
                return true;
            }

            @Override
            public boolean isMember(String id) {
                // Without a cluster every entry was written in this process: its writer is alive.
                return true;
            }
        };
    }

    /**
     * A node that left.
     *
     * @param memberId what {@link #localNodeId()} was on that node
     * @param nodeId   its {@code NODE_ID}, the prefix of its Engine.IO socket ids (sid); null if it did not say
     */
    record Departure(String memberId, String nodeId) {
    }
}
