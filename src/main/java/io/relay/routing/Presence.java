package io.relay.routing;

import io.relay.cluster.Membership;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node holds each phone, in a cluster-wide map. A phone whose socket closes normally is
 * announced by its own node; a phone whose node <em>dies</em> has nobody left to say so, so every
 * surviving node, told by the membership that a node left, tells its own browsers of the phones that
 * node held ({@code mobile:disconnected}).
 */
final class Presence {
    private static final Logger log = LoggerFactory.getLogger(Presence.class);
    static final String MAP = "relay.phones";

    private final Vertx vertx;
    private final Membership membership;
    private final WebFanout fanout;
    private AsyncMap<String, String> phones;

    Presence(Vertx vertx, Membership membership, WebFanout fanout) {
        this.vertx = vertx;
        this.membership = membership;
        this.fanout = fanout;
    }

    Future<Void> start() {
        return vertx.sharedData().<String, String>getAsyncMap(MAP).map(map -> {
            phones = map;
            membership.onNodeLeft(departed -> nodeLeft(departed.memberId()));
            return null;
        });
    }

    Future<Void> online(String deviceId) {
        return phones.put(deviceId, membership.localNodeId());
    }

    Future<Void> offline(String deviceId) {
        return phones.removeIfPresent(deviceId, membership.localNodeId()).mapEmpty();
    }

    /** Whether the phone is connected to a live node right now (an entry of a node that died counts as offline). */
    Future<Boolean> isOnline(String deviceId) {
        return phones.get(deviceId).map(holder -> holder != null && membership.isMember(holder));
    }

    private void nodeLeft(String deadNode) {
        for (String deviceId : fanout.localDevices()) {
            phones.get(deviceId).onSuccess(holder -> {
                if (deadNode.equals(holder)) {
                    log.info("phone lost with its node device={} node={}", deviceId, deadNode);
                    fanout.deliverLocally(deviceId, Events.MOBILE_DISCONNECTED);
                    phones.removeIfPresent(deviceId, deadNode);
                }
            });
        }
    }
}
