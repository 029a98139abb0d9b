package io.relay.routing;

import io.relay.TestConfigs;
import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.store.FreshStorage;
import io.relay.vocabulary.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser waits for pairing on one side of a partition while the phone scans its QR on the other: the scan
 * is stored (both sides reach the database) but its message reaches nobody on the browser's side. Once the
 * partition heals, the browser's node reads the waiting pairings again and the browser gets its session.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A pairing scanned across a partition")
class RejoinPairingTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("is answered once the partition heals, though its scan's message was lost")
    void answeredAfterHeal(Vertx vertx, VertxTestContext ctx) {
        RelayConfig config = TestConfigs.forDatabase(null);
        PairingService pairing = new PairingService(vertx, config, storage.store(), new SessionTokens(vertx, config.jwt()));
        List<Runnable> rejoined = new CopyOnWriteArrayList<>();
        Switchboard switchboard = new Switchboard(vertx, config.nodeId(), storage.store(), pairing, healing(config.nodeId(), rejoined));
        // The scan is heard only on the other side of the partition.
        vertx.eventBus().addOutboundInterceptor(delivery -> {
            if (!Addresses.pairingScans().equals(delivery.message().address())) {
                delivery.next();
            }
        });
        switchboard.start().compose(v -> pairing.generate()).compose(generated -> {
            Future<String> waiting = pairing.awaitPairing(generated.token());
            return delay(vertx, 200)
                    .compose(v -> pairing.scan(generated.qrData(), "phone-across"))
                    .compose(paired -> delay(vertx, 500))
                    .compose(v -> {
                        ctx.verify(() -> assertThat(waiting.isComplete()).as("answered while partitioned").isFalse());
                        rejoined.forEach(Runnable::run); // the partition healed
                        return waiting;
                    });
        }).compose(pairing::verifySession).onComplete(ctx.succeeding(claims -> ctx.verify(() -> {
            assertThat(claims.deviceId()).isEqualTo("phone-across");
            assertThat(pairing.waitingHere()).isZero();
            ctx.completeNow();
        })));
    }

    /** A membership of one whose rejoin listeners the test calls itself. */
    private static Membership healing(String nodeId, List<Runnable> rejoined) {
        Membership alone = Membership.standalone(nodeId);
        return new Membership() {
            @Override
            public String localNodeId() {
                return nodeId;
            }

            @Override
            public void onNodeLeft(Consumer<Departure> listener) {
            }

            @Override
            public void onRejoined(Runnable listener) {
                rejoined.add(listener);
            }

            @Override
            public boolean joined() {
                return true;
            }

            @Override
            public boolean isMember(String id) {
                return alone.isMember(id);
            }
        };
    }

    private static Future<Void> delay(Vertx vertx, long ms) {
        Promise<Void> done = Promise.promise();
        vertx.setTimer(ms, id -> done.complete());
        return done.future();
    }
}
