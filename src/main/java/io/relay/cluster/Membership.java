package io.relay.cluster;

import java.util.function.Consumer;

/**
 * Who this node is among its peers, and news of peers that left. Standalone nodes are a cluster of
 * one whose peers never leave.
 */
public interface Membership {

    /**
     * This node's id among its peers, stable for the life of the process: what {@link #onNodeLeft} reports
     * to the others when this node goes.
     */
    String localNodeId();

    /** Called for every node that leaves the cluster, whether it shut down or died. */
    void onNodeLeft(Consumer<Departure> listener);

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
     * @param nodeId   its {@code NODE_ID}, the prefix of its Engine.IO session ids; null if it did not say
     */
    record Departure(String memberId, String nodeId) {
    }
}
