package io.relay.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes of a 3-host cluster going away under traffic, all clients through the load balancer: killed
 * (SIGKILL) and started again one after another with PostgreSQL restarted once in between, and a
 * rolling restart (SIGTERM, one node at a time, as Kubernetes deploys). Phones stream numbered SMS and
 * browsers send replies throughout; nothing may be lost.
 *
 * <p>The build runs short versions. The long kill run (100,000 messages, a kill every 20 s) is
 * {@code scripts/soak.sh}, which sets {@code relay.soak.*}.
 */
@DisplayName("A 3-host cluster whose nodes are killed or restarted under traffic")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRestartsIT {
    private static final int PHONES = Integer.getInteger("relay.soak.phones", 3);
    /** Messages in all; 0 (the build's short run): phones stream until the incidents are over. */
    private static final int MESSAGES = Integer.getInteger("relay.soak.messages", 0);
    private static final int RATE = Integer.getInteger("relay.soak.rate", 20); // per phone and second
    private static final int CONVERSATIONS = Integer.getInteger("relay.soak.conversations", 4); // per phone
    private static final Duration KILL_EVERY = Duration.ofSeconds(Integer.getInteger("relay.soak.killEverySeconds", 12));
    /** The short run: a kill, the database restart, another kill. */
    private static final int SHORT_RUN_INCIDENTS = 3;
    private static final int DRAIN_SECONDS = 10;

    @RegisterExtension
    static final HostCluster cluster = HostCluster.perClass("restarts", 3, Map.of("DRAIN_SECONDS", String.valueOf(DRAIN_SECONDS)));

    @Test
    @Order(1)
    @Timeout(value = 3, unit = TimeUnit.HOURS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("kill -9 of a node every few seconds (each started again) and one PostgreSQL restart: "
            + "every browser ends with every message once after de-duplication, in order (each event following the one it names as before it); every acknowledged send reached its phone")
    void killsAndDatabaseRestart() throws Exception {
        JsonObject options = traffic(MESSAGES / PHONES);
        try (NodeDriver driver = NodeDriver.start("hosts-stream.js", cluster.dir().resolve("client-kills.log"), options.encode())) {
            driver.await("placed", Duration.ofSeconds(120));
            List<JsonObject> incidents = new ArrayList<>();
            boolean databaseRestarted = false;
            int next = 0;
            JsonObject streamed = null;
            long lastIncident = System.nanoTime();
            while (streamed == null) {
                streamed = awaitStreamedUntil(driver, lastIncident + KILL_EVERY.toNanos());
                if (streamed != null) {
                    break;
                }
                if (MESSAGES == 0 && incidents.size() >= SHORT_RUN_INCIDENTS) {
                    driver.tell(new JsonObject().put("stop", true));
                    streamed = driver.await("streamed", Duration.ofMinutes(3));
                    break;
                }
                lastIncident = System.nanoTime();
                if (!databaseRestarted && incidents.size() == 1) {
                    incidents.add(restartDatabase(driver));
                    databaseRestarted = true;
                } else {
                    incidents.add(killAndRestart(driver, cluster.nodes().get(next++ % 3).id));
                }
            }
            JsonObject result = finish(driver, "kills");
            String facts = facts("kills", result, driver);

            HostStreamFacts all = HostStreamFacts.of(result);
            all.everyBrowserAppliedEveryMessageOnceInOrder(facts);
            all.everyAcknowledgedSendReachedItsPhone(facts);
            assertThat(incidents.stream().filter(i -> i.getString("incident").startsWith("kill")).count())
                    .as("nodes were killed mid-stream; " + facts).isGreaterThanOrEqualTo(2);
            assertThat(databaseRestarted).as("PostgreSQL was restarted mid-stream; " + facts).isTrue();

            System.out.printf("KILLS: %d messages from %d phones in %d ms, %d incidents%n  %s%n  %s%n", all.messagesSent(), PHONES,
                    streamed.getLong("streamMs"), incidents.size(), recoveries(result), all.summary());
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("a rolling restart (SIGTERM, one node at a time, each back and joined before the next) loses nothing, and clients only reconnect")
    void rollingRestart() throws Exception {
        JsonObject options = traffic(0);
        try (NodeDriver driver = NodeDriver.start("hosts-stream.js", cluster.dir().resolve("client-rolling.log"), options.encode())) {
            driver.await("placed", Duration.ofSeconds(120));
            List<Long> exits = new ArrayList<>();
            for (HostCluster.Node node : cluster.nodes()) {
                Thread.sleep(3_000);
                long stopping = System.currentTimeMillis();
                driver.tell(new JsonObject().put("incident", "sigterm " + node.id).put("at", stopping));
                int status = cluster.terminate(node.id, Duration.ofSeconds(DRAIN_SECONDS + 10));
                exits.add(System.currentTimeMillis() - stopping);
                assertThat(status).as("%s exited by SIGTERM after draining; %s", node.id, node.tail()).isEqualTo(143);
                assertThat(node.log()).as(node.tail()).contains("relay node stopped").doesNotContain("drain did not finish");
                cluster.start(node.id);
                cluster.awaitReady(node);
                cluster.awaitMembers(3, Duration.ofSeconds(60));
            }
            Thread.sleep(3_000);
            driver.tell(new JsonObject().put("stop", true));
            JsonObject streamed = driver.await("streamed", Duration.ofMinutes(5));
            JsonObject result = finish(driver, "rolling");
            String facts = facts("rolling", result, driver);

            HostStreamFacts all = HostStreamFacts.of(result);
            all.everyBrowserAppliedEveryMessageOnceInOrder(facts);
            all.everyAcknowledgedSendReachedItsPhone(facts);
            all.noErrorEvents(facts);
            System.out.printf("ROLLING RESTART: %d messages from %d phones in %d ms; SIGTERM to exit %s ms%n  %s%n  %s%n  %s%n",
                    all.messagesSent(), PHONES, streamed.getLong("streamMs"), exits, recoveries(result), all.reconnects(), all.summary());
        }
    }

    /** Phones and browsers all through the balancer; browsers resume with {since} after reconnecting; phones confirm sends. */
    private static JsonObject traffic(int messagesPerPhone) {
        JsonArray phones = new JsonArray();
        JsonArray browsers = new JsonArray();
        for (int p = 1; p <= PHONES; p++) {
            phones.add(new JsonObject().put("name", "p" + p));
            browsers.add(new JsonObject().put("name", "p" + p + "-ws").put("phone", "p" + p).put("transports", new JsonArray().add("websocket")));
            browsers.add(new JsonObject().put("name", "p" + p + "-upgrade").put("phone", "p" + p));
        }
        return new JsonObject().put("base", cluster.balancerUrl()).put("phones", phones).put("browsers", browsers)
                .put("messages", messagesPerPhone).put("rate", RATE).put("conversations", CONVERSATIONS).put("sendEveryMs", 2000)
                .put("resumeOnReconnect", true).put("confirmCommands", true).put("settleMs", 60000)
                .put("streamTimeoutMs", 3 * 3600 * 1000);
    }

    private static JsonObject killAndRestart(NodeDriver driver, String victim) throws Exception {
        long at = System.currentTimeMillis();
        cluster.kill(victim);
        driver.tell(new JsonObject().put("incident", "kill " + victim).put("at", at));
        cluster.start(victim);
        cluster.awaitReady(cluster.node(victim));
        // The next kill only once the cluster is whole again: Hazelcast keeps one backup of each entry.
        cluster.awaitMembers(3, Duration.ofSeconds(90));
        return new JsonObject().put("incident", "kill " + victim).put("at", at).put("backMs", System.currentTimeMillis() - at);
    }

    private static JsonObject restartDatabase(NodeDriver driver) throws Exception {
        long at = System.currentTimeMillis();
        driver.tell(new JsonObject().put("incident", "postgres restart").put("at", at));
        cluster.postgres().stop();
        Thread.sleep(2_000);
        cluster.postgres().start();
        return new JsonObject().put("incident", "postgres restart").put("at", at).put("backMs", System.currentTimeMillis() - at);
    }

    /** The driver's "streamed" line if it comes before {@code deadlineNanos}, else null. */
    private static JsonObject awaitStreamedUntil(NodeDriver driver, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return null;
        }
        try {
            return driver.await("streamed", Duration.ofNanos(left));
        } catch (AssertionError notYet) {
            if (!driver.alive()) {
                throw notYet;
            }
            return null;
        }
    }

    private static JsonObject finish(NodeDriver driver, String name) throws Exception {
        driver.tell(new JsonObject().put("finish", true));
        JsonObject result = driver.await("ok", Duration.ofMinutes(5));
        Files.writeString(cluster.dir().resolve(name + "-facts.json"), result.encode());
        assertThat(result.getBoolean("ok")).as(result.getString("error", "") + "\n" + driver.output()).isTrue();
        return result;
    }

    private static String facts(String name, JsonObject result, NodeDriver driver) {
        return "facts in " + cluster.dir().resolve(name + "-facts.json") + "\n" + driver.output() + "\n" + cluster.logs();
    }

    private static String recoveries(JsonObject result) {
        List<String> out = new ArrayList<>();
        for (Object o : result.getJsonArray("incidents")) {
            JsonObject i = (JsonObject) o;
            out.add(i.getString("incident") + ": every browser showed all made before it after " + i.getValue("recoveredMs") + " ms");
        }
        return String.join("\n  ", out);
    }
}
