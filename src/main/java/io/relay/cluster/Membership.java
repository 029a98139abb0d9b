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

    /** Called with the id of every node that leaves the cluster, whether it shut down or died. */
    void onNodeLeft(Consumer<String> listener);

    /** True while this node is a member of its cluster (always true standalone). */
    boolean joined();

    static Membership standalone(String nodeId) {
        return new Membership() {
            @Override
            public String localNodeId() {
                return nodeId;
            }

            @Override
            public void onNodeLeft(Consumer<String> listener) {
            }

            @Override
            public boolean joined() {
                return true;
            }
        };
    }
}
