package io.relay.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A network partition on separate hosts: the node holding two phones is cut off from the other two
 * nodes (not from its clients, not from PostgreSQL) for longer than the failure detector's window,
 * while both phones stream numbered SMS and browsers on both sides send replies; then the link heals.
 * One phone streams on across the heal, the other stops while the partition lasts, so its browsers on
 * the far side can only be caught up by the relay's own check after the merge. The browsers are
 * passive, as the original web app: they never resume by themselves.
 */
@DisplayName("A 3-host cluster cut in two and healed")
class PartitionIT {
    /** Hazelcast declares a silent member dead after 5 s (cluster.xml); the cut lasts well past it. */
    private static final Duration CUT_AFTER_SPLIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final HostCluster cluster = HostCluster.perClass("partition", 3, Map.of());

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("merges within seconds of the heal; every browser, without asking, ends with every message exactly once, in order, "
            + "each event following the one it names as before it; every acknowledged send reaches its phone once; browsers told the phone went offline are told it is back")
    void partitionAndHeal() throws Exception {
        String cut = "n1";
        JsonObject options = new JsonObject()
                .put("base", cluster.balancerUrl())
                .put("phones", new JsonArray()
                        .add(new JsonObject().put("name", "across").put("url", cluster.node(cut).url()))
                        .add(new JsonObject().put("name", "during").put("url", cluster.node(cut).url()).put("messages", 300)))
                .put("browsers", browsers("across").addAll(browsers("during")))
                .put("rate", 20)
                .put("sendEveryMs", 1000)
                .put("settleMs", 30000);
        // "across" streams 60 s, on well past the heal (live events must flow again, not only the checks after
        // the merge); "during" 15 s: its last messages go out while the cut lasts.
        JsonObject across = options.copy().put("messages", 1200);
        try (NodeDriver driver = NodeDriver.start("hosts-stream.js", cluster.dir().resolve("client-partition.log"), across.encode())) {
            JsonObject placed = driver.await("placed", Duration.ofSeconds(90)).getJsonObject("placed");
            assertThat(placed.getString("across")).as("phone placed on " + cut).isEqualTo(cut);
            for (String node : List.of("n1", "n2", "n3")) {
                assertThat(placed.getString("across-" + node)).as(placed.encode()).isEqualTo(node);
            }
            awaitAcked(driver, 100);

            long cutAt = System.nanoTime();
            cluster.isolate(cut);
            long splitMs = awaitSplit(cut);
            Thread.sleep(CUT_AFTER_SPLIT.toMillis());
            long cutMs = LocalCluster.millisSince(cutAt);
            cluster.heal();
            driver.tell(new JsonObject().put("incident", "heal").put("at", System.currentTimeMillis()));
            long mergeMs = cluster.awaitMembers(3, Duration.ofSeconds(60));

            JsonObject streamed = driver.await("streamed", Duration.ofSeconds(120));
            driver.tell(new JsonObject().put("finish", true));
            JsonObject result = driver.await("ok", Duration.ofSeconds(120));
            Files.writeString(cluster.dir().resolve("partition-facts.json"), result.encodePrettily());
            String facts = "facts in " + cluster.dir().resolve("partition-facts.json") + "\n" + driver.output() + "\n" + cluster.logs();
            assertThat(result.getBoolean("ok")).as(result.getString("error", "") + facts).isTrue();

            assertThat(mergeMs).as("merged within seconds of the heal; " + facts).isLessThan(20_000);
            HostStreamFacts all = HostStreamFacts.of(result);
            all.everyBrowserHoldsEveryMessageOnceInOrder(facts);
            all.noBrowserAskedToResume(facts);
            all.everyAcknowledgedSendReachedItsPhoneOnce(facts);
            all.everyBrowserLastHeardItsPhoneOnline(facts);
            assertThat(all.browsersToldOffline()).as("the far side was told the phone went away during the cut; " + facts).isNotEmpty();

            System.out.printf("PARTITION: n1 cut off from n2, n3 for %d ms (split seen after %d ms); merged %d ms after the heal; "
                            + "every browser showed every message made before the heal %s ms after it; stream %d ms%n  %s%n",
                    cutMs, splitMs, mergeMs, result.getJsonArray("incidents").getJsonObject(0).getValue("recoveredMs"),
                    streamed.getLong("streamMs"), all.summary());
        }
    }

    private static JsonArray browsers(String phone) {
        return new JsonArray()
                .add(new JsonObject().put("name", phone + "-n1").put("phone", phone).put("url", cluster.node("n1").url()))
                .add(new JsonObject().put("name", phone + "-n2").put("phone", phone).put("url", cluster.node("n2").url())
                        .put("transports", new JsonArray().add("websocket")))
                .add(new JsonObject().put("name", phone + "-n3").put("phone", phone).put("url", cluster.node("n3").url())
                        .put("transports", new JsonArray().add("polling")));
    }

    /** Waits for the split: the cut node alone, the others two. Returns how long it took. */
    private static long awaitSplit(String cut) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(40);
        while (true) {
            Map<String, Integer> counts = cluster.memberCounts();
            boolean split = counts.entrySet().stream().allMatch(e -> e.getValue() == (e.getKey().equals(cut) ? 1 : 2));
            if (split) {
                return LocalCluster.millisSince(started);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the cluster never split: " + counts + "\n" + cluster.logs());
            }
            Thread.sleep(200);
        }
    }

    private static void awaitAcked(NodeDriver driver, int count) throws InterruptedException {
        while (true) {
            JsonObject progress = driver.await("progress", Duration.ofSeconds(60)).getJsonObject("progress");
            if (progress.stream().allMatch(e -> ((Number) e.getValue()).intValue() >= count)) {
                return;
            }
        }
    }
}
