package io.relay.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery promise under chaos: a phone streams numbered SMS through three relay processes behind
 * a round-robin nginx while the test kills (SIGKILL) the phone's node mid-stream, then a node holding a
 * browser, and a browser drops its connection. The clients are {@code cluster-stream.js}: a phone that
 * re-sends what was not acknowledged, and browsers that resume with {@code web:request-sync {since}}.
 */
@DisplayName("A phone streaming through a 3-node cluster while nodes are killed")
class ClusterStreamChaosIT {
    private static final int MESSAGES = 400;

    @RegisterExtension
    static final LocalCluster cluster = LocalCluster.perClass("stream-chaos", 3, Map.of());

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("every browser ends with every message exactly once after dedupe by id, each conversation in the order sent, "
            + "resumed without a gap in its seqs, though the phone's node and a browser's node were killed mid-stream")
    void streamThroughKills() throws Exception {
        try (NodeDriver driver = NodeDriver.start("cluster-stream.js", cluster.dir().resolve("client-stream.log"),
                cluster.balancer().url(), String.valueOf(MESSAGES))) {
            JsonObject result;
            while (true) {
                JsonObject line = driver.awaitAny(Duration.ofSeconds(120), "freeze", "kill", "ok");
                if (line.containsKey("ok")) {
                    result = line;
                    break;
                } else if (line.containsKey("freeze")) {
                    freeze(line.getString("freeze"), driver);
                } else {
                    kill(line.getString("kill"), driver);
                }
            }
            Files.writeString(cluster.dir().resolve("stream-facts.json"), result.encodePrettily());
            String facts = "client facts " + abridged(result) + "\n" + driver.output() + "\n" + cluster.logs();
            assertThat(result.getBoolean("ok")).as(facts).isTrue();

            JsonObject phone = result.getJsonObject("phone");
            List<String> sent = phone.getJsonArray("generated").stream().map(g -> ((JsonObject) g).getString("id")).toList();
            Map<String, String> conversationOf = phone.getJsonArray("generated").stream().map(JsonObject.class::cast)
                    .collect(Collectors.toMap(g -> g.getString("id"), g -> g.getString("conversationId")));
            Map<String, Integer> sendIndex = new HashMap<>();
            sent.forEach(id -> sendIndex.put(id, sendIndex.size()));
            Map<String, Integer> sends = phone.getJsonObject("sends").getMap().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> ((Number) e.getValue()).intValue()));
            int resent = sends.values().stream().mapToInt(n -> n - 1).sum();

            // The chaos happened as intended (each browser's facts below are read per kill).
            assertThat(result.getJsonArray("kills")).as("the phone's node and a browser's node were killed; " + facts).hasSize(2);
            List<String> lines = new ArrayList<>();
            long recovery = 0;
            for (Object b : result.getJsonArray("browsers")) {
                StreamFacts web = StreamFacts.of((JsonObject) b);
                String name = web.name();
                String about = name + "; " + facts;

                // Exactly the messages sent, after dedupe by id: nothing lost, nothing extra.
                List<String> received = web.firstOccurrences();
                Set<String> missing = new TreeSet<>(sent);
                received.forEach(missing::remove);
                Set<String> extra = new TreeSet<>(received);
                sent.forEach(extra::remove);
                assertThat(missing).as("messages lost at " + about).isEmpty();
                assertThat(extra).as("messages the phone never sent at " + about).isEmpty();

                // Per conversation, first occurrences in the order the phone sent them.
                Map<String, List<String>> sentPerConversation = perConversation(sent, conversationOf);
                Map<String, List<String>> receivedPerConversation = perConversation(received, conversationOf);
                assertThat(receivedPerConversation).as("per-conversation order at " + about).isEqualTo(sentPerConversation);

                // Seqs: applied one by one from the first it saw to the last, increasing, each naming as the one before
                // it the last applied or an earlier one (a browser may have got events live that a dying node never
                // stored: the phone sends their messages again, and the next stored event names the last stored),
                // none left waiting; numbers skipped only where a node that took the phone's sequence over logged
                // them as never stored; and at the end the relay had nothing newer for it.
                List<StreamFacts.Delivery> appliedNumbered = web.applied().stream().filter(d -> !d.snapshot()).toList();
                List<Long> appliedSeqs = appliedNumbered.stream().map(StreamFacts.Delivery::seq).toList();
                long firstSeq = appliedSeqs.get(0);
                long lastSeq = appliedSeqs.get(appliedSeqs.size() - 1);
                for (int i = 1; i < appliedNumbered.size(); i++) {
                    assertThat(appliedNumbered.get(i).prevSeq()).as("applied seq #" + i + " follows #" + (i - 1) + " at " + about)
                            .isLessThanOrEqualTo(appliedSeqs.get(i - 1));
                    assertThat(appliedSeqs.get(i)).as("applied seq #" + i + " at " + about).isGreaterThan(appliedSeqs.get(i - 1));
                }
                String nodeLogs = cluster.fullLogs();
                for (String range : web.skippedRanges()) {
                    assertThat(nodeLogs).as("skipped numbers %s logged by the node that took the sequence over, at %s", range, about)
                            .contains("numbers " + range + " were never stored and are skipped");
                }
                assertThat(web.missingSeqs()).as("seqs never delivered at " + about).isEmpty();
                assertThat(web.array("stillWaiting")).as("events left waiting for a gap at " + about).isEmpty();
                assertThat(web.array("resets")).as("no sync:reset at " + about).isEmpty();
                JsonArray completes = web.array("completes");
                assertThat(completes).as(about).isNotEmpty();
                assertThat(completes.getJsonObject(completes.size() - 1).getLong("seq"))
                        .as("the final resume found nothing newer at " + about).isEqualTo(lastSeq);
                assertThat(web.raw().getLong("lastSeq")).as(about).isEqualTo(lastSeq);

                // Duplicates only where they are due: the relay numbers a message once per time the phone sent
                // it, and repeats an event only when a resume replays what also came live.
                web.seqsPerMessage().forEach((id, seqs) -> assertThat(seqs)
                        .as("seqs carrying %s (sent %d times) at %s", id, sends.get(id), about)
                        .isLessThanOrEqualTo(sends.getOrDefault(id, 0)));
                assertThat(web.repeatedOutsideResumes()).as("seqs delivered twice outside any resume at " + about).isEmpty();
                assertThat(web.array("errors")).as("no error event at " + about).isEmpty();
                assertThat(web.array("resumes").stream().map(r -> ((JsonObject) r).getLong("since")).filter(s -> s != null))
                        .as("resumed with since after reconnecting at " + about).isNotEmpty();

                JsonArray caughtUp = web.array("caughtUpMs");
                assertThat(caughtUp.getValue(0)).as("caught up after the first kill at " + about).isNotNull();
                assertThat(caughtUp.getValue(1)).as("caught up after the second kill at " + about).isNotNull();
                recovery = Math.max(recovery, caughtUp.getLong(0));
                long repeatedSeqs = web.seqCounts().values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
                long reconnects = web.array("disconnects").stream().filter(d -> ((JsonObject) d).getLong("at") > 0).count();
                lines.add(String.format("%s %s: %d deliveries, %d duplicates (%d replayed twice, %d re-sent by the phone), "
                                + "seq %d..%d in order (skipped %s), %d reconnects, %d resumes (%d after a live gap), %d resets, "
                                + "%d arrived ahead of earlier ones of their conversation (applied by seq), recovered %s ms after each kill",
                        name, String.join("->", web.array("nodes").stream().map(String::valueOf).toList()),
                        web.deliveries().stream().mapToInt(d -> d.ids().size()).sum(), web.duplicateMessages(), repeatedSeqs,
                        web.duplicateMessages() - repeatedSeqs, firstSeq, lastSeq, web.skippedRanges(), reconnects, web.array("resumes").size(),
                        web.array("gaps").size(), web.array("resets").size(),
                        web.arrivalOrderInversions(sendIndex, conversationOf), caughtUp.encode()));
            }
            // The chaos happened as intended.
            assertThat(sent).as(facts).hasSize(MESSAGES).doesNotHaveDuplicates();
            JsonArray kills = result.getJsonArray("kills");
            assertThat(kills).as("the phone's node and a browser's node were killed; " + facts).hasSize(2);
            JsonObject first = kills.getJsonObject(0);
            JsonObject second = kills.getJsonObject(1);
            assertThat(first.getInteger("atMessage")).as("the first kill came mid-stream; " + facts).isBetween(1, MESSAGES - 1);
            assertThat(second.getInteger("atMessage")).as("the second kill came mid-stream; " + facts).isLessThan(MESSAGES);
            assertThat(first.getJsonObject("placement").getString("phone")).as(facts).isEqualTo(first.getString("node"));
            assertThat(first.getInteger("inFlight")).as("the kill caught messages on the wire; " + facts).isPositive();
            assertThat(second.getJsonObject("placement").getString("phone")).as(facts).isNotEqualTo(second.getString("node"));
            assertThat(second.getJsonArray("browsersThere")).as("a browser was on the second node; " + facts).isNotEmpty();
            assertThat(result.getJsonArray("drops")).as("a browser dropped its transport; " + facts).hasSize(1);
            assertThat(ClusterFlowFacts.array(phone, "registrations").stream().map(JsonObject.class::cast)
                    .filter(r -> r.getLong("at") > 0).map(r -> r.getString("node")))
                    .as("the phone registered again, on a live node; " + facts)
                    .isNotEmpty()
                    .doesNotContain(first.getString("node"));

            // The phone: everything acknowledged, nothing refused.
            assertThat(phone.getJsonArray("unacked")).as("every message acknowledged; " + facts).isEmpty();
            assertThat(phone.getJsonArray("errors")).as("the phone saw no error event; " + facts).isEmpty();
            assertThat(sends.keySet()).as(facts).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(resent).as("the phone sent again what the dead node left unacknowledged; " + facts)
                    .isGreaterThanOrEqualTo(first.getInteger("inFlight"));

            assertThat(recovery).as("every browser showed a message made after the kill, and all before it, within 20 s; " + facts).isLessThan(20_000);
            long phoneBack = ClusterFlowFacts.array(phone, "registrations").stream().map(JsonObject.class::cast)
                    .filter(r -> r.getLong("at") > 0).findFirst().orElseThrow().getLong("at");
            System.out.printf("CLUSTER STREAM CHAOS: %d messages over %d conversations in %d ms; kill -9 of %s (the phone's, at message %d, "
                            + "frozen first, %d unacknowledged at the kill), of %s (%s, at message %d), %s dropped its transport; phone registered again after %d ms and "
                            + "re-sent %d; recovery (every browser holds a message made after the kill and all before it) %d ms%n  %s%n",
                    MESSAGES, result.getInteger("conversations"), result.getLong("streamMs"), first.getString("node"),
                    first.getInteger("atMessage"), first.getInteger("inFlight"), second.getString("node"),
                    second.getJsonArray("browsersThere").encode(), second.getInteger("atMessage"),
                    result.getJsonArray("drops").getJsonObject(0).getString("name"), phoneBack, resent, recovery,
                    String.join("\n  ", lines));
        }
    }

    /** SIGSTOP: the node hangs (as in a long pause) with the phone's messages reaching its socket, unanswered. */
    private static void freeze(String victim, NodeDriver driver) throws Exception {
        LocalCluster.Node node = cluster.node(victim);
        Process stop = new ProcessBuilder("kill", "-STOP", String.valueOf(node.process.pid())).redirectErrorStream(true).start();
        assertThat(stop.waitFor(10, TimeUnit.SECONDS) && stop.exitValue() == 0).as("SIGSTOP to " + victim).isTrue();
        driver.tell(new JsonObject().put("frozen", victim));
    }

    private static void kill(String victim, NodeDriver driver) throws Exception {
        LocalCluster.Node node = cluster.node(victim);
        boolean wasAlive = node.process.isAlive();
        node.process.destroyForcibly(); // kill -9 at once (checks after): no drain, no goodbye to the cluster
        long killedAt = System.currentTimeMillis();
        assertThat(wasAlive).as("the driver asked to kill a live node: " + victim).isTrue();
        assertThat(node.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(node.process.exitValue()).isEqualTo(137);
        driver.nodeStopped(victim, killedAt);
    }

    private static Map<String, List<String>> perConversation(List<String> ids, Map<String, String> conversationOf) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        ids.forEach(id -> out.computeIfAbsent(conversationOf.getOrDefault(id, "?"), k -> new ArrayList<>()).add(id));
        return new HashMap<>(out);
    }

    /** The facts without the per-delivery lists, which would drown an assertion message. */
    private static String abridged(JsonObject result) {
        JsonObject copy = result.copy();
        JsonArray browsers = copy.getJsonArray("browsers");
        if (browsers != null) {
            browsers.forEach(b -> {
                JsonObject browser = (JsonObject) b;
                browser.put("deliveries", browser.getJsonArray("deliveries").size() + " (all in stream-facts.json)");
                browser.put("applied", browser.getJsonArray("applied").size() + " (all in stream-facts.json)");
            });
        }
        if (copy.getJsonObject("phone") != null) {
            copy.getJsonObject("phone").remove("generated");
            copy.getJsonObject("phone").remove("sends");
        }
        return copy.encodePrettily();
    }
}
