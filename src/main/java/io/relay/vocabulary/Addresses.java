package io.relay.vocabulary;

/**
 * Every event-bus address the relay uses, built in one place. Lowercase, dotted, domain first.
 *
 * <p>Routing is by deviceId: no node owns a user, a node only owns the sockets connected to it.
 */
public final class Addresses {
    private static final String DEVICE = "relay.device.";
    private static final String WEB = ".web";

    private Addresses() {
    }

    /**
     * Web-to-phone commands for one phone ({@code send:message}, {@code mark:read}, {@code request:sync}).
     * Exactly one consumer: the node holding that phone's socket. Messages are <em>sent</em> here.
     */
    public static String phone(String deviceId) {
        return DEVICE + deviceId + ".phone";
    }

    /**
     * Phone-to-web events for one phone. One consumer per node that holds at least one web session of
     * that device, which fans out to its local sockets. Messages are <em>published</em> here.
     */
    public static String web(String deviceId) {
        return DEVICE + deviceId + WEB;
    }

    /** Whether {@code address} is one phone's {@link #web(String)} address. */
    public static boolean isWeb(String address) {
        return address.length() > DEVICE.length() + WEB.length() && address.startsWith(DEVICE) && address.endsWith(WEB);
    }

    /**
     * Browser sessions a phone (or its owner over REST) just revoked: {@code {deviceId, sessionIds: [..]}}.
     * <em>Published</em>; every node consumes it and disconnects its own sockets of those sessions.
     */
    public static String sessionsRevoked() {
        return "relay.sessions.revoked";
    }

    /**
     * QR scans: the waiter token of each pairing a phone just redeemed, <em>published</em> by the node where
     * the phone scanned; every node that holds {@code wait-pairing} long-polls consumes it and wakes its own
     * waiters of that token. One registration per node for its life, not one per long-poll: a cluster-wide
     * registration is a synchronous Hazelcast write and its removal another, queued per event loop.
     */
    public static String pairingScans() {
        return "relay.pairing.scans";
    }

    /**
     * Polling requests for Engine.IO sockets owned by one node (the node id is the prefix of the socket
     * id), forwarded by whichever node the load balancer sent them to. No sticky sessions needed.
     */
    public static String engineIoNode(String nodeId) {
        return "gateway.engineio.node." + nodeId;
    }

    /**
     * Local to each node: the {@code NODE_ID} of a peer that left the cluster (shut down or died), published
     * by the node's membership listener for parts that cannot otherwise learn of it, like polling requests
     * waiting on that peer.
     */
    public static String nodeLeft() {
        return "cluster.node.left";
    }
}
