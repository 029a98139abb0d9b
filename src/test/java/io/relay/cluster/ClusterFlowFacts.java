package io.relay.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading and judging the facts that {@code cluster-flow.js} reports. */
final class ClusterFlowFacts {

    private ClusterFlowFacts() {
    }

    /** {@code {"node","sid","transport"}} of one client in a "placed" or "after" map. */
    static JsonObject client(JsonObject placement, String name) {
        JsonObject client = placement.getJsonObject(name);
        assertThat(client).as("client %s in %s", name, placement.encode()).isNotNull();
        return client;
    }

    /** The full record of one client: sessions, disconnects, errors, times (ms after the stop). */
    static JsonObject clientFacts(JsonObject result, String name) {
        return result.getJsonArray("clients").stream()
                .map(JsonObject.class::cast)
                .filter(c -> name.equals(c.getString("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no client " + name + " in " + result.encode()));
    }

    static JsonArray array(JsonObject object, String key) {
        JsonArray array = object.getJsonArray(key);
        return array == null ? new JsonArray() : array;
    }

    /** Every client is connected at the end, and those that were on the stopped node now sit on another one. */
    static void everyClientReconnectedAwayFrom(JsonObject result, String stopped, String facts) {
        JsonObject before = result.getJsonObject("before");
        JsonObject after = result.getJsonObject("after");
        for (String name : before.fieldNames()) {
            JsonObject now = client(after, name);
            assertThat(now.getBoolean("connected")).as(name + " connected at the end; " + facts).isTrue();
            assertThat(now.getString("node")).as(name + " not on the stopped node; " + facts).isNotEqualTo(stopped);
            if (client(before, name).getString("node").equals(stopped)) {
                JsonObject record = clientFacts(result, name);
                assertThat(array(record, "disconnects").stream().map(d -> ((JsonObject) d).getString("reason")))
                        .as(name + " lost its transport (and was not told to stay away); " + facts)
                        .isNotEmpty()
                        .doesNotContain("io server disconnect");
                assertThat(array(record, "authenticatedAt").stream().map(t -> ((Number) t).longValue()))
                        .as(name + " registered/authenticated again after the stop; " + facts)
                        .anyMatch(t -> t > 0);
            }
        }
    }

    /** No client saw an 'error' event, every phone message after the stop was acknowledged, every send arrived. */
    static void noErrorsAndEverySendArrived(JsonObject result, String facts) {
        for (Object c : result.getJsonArray("clients")) {
            JsonObject client = (JsonObject) c;
            assertThat(array(client, "errors")).as(client.getString("name") + " saw no error event; " + facts).isEmpty();
        }
        for (Object a : result.getJsonArray("postAcks")) {
            JsonObject ack = (JsonObject) a;
            assertThat(ack.getJsonObject("ack")).as("phone message acknowledged " + ack.encode() + "; " + facts).isNotNull();
            assertThat(ack.getJsonObject("ack").getBoolean("success")).as("phone message stored and relayed " + ack.encode() + "; " + facts).isTrue();
        }
        for (Object s : result.getJsonArray("sendsAfter")) {
            JsonObject send = (JsonObject) s;
            assertThat(send.getBoolean("reachedPhone")).as("send from " + send.getString("from") + " reached the phone; " + facts).isTrue();
            assertThat(send.getJsonArray("attempts")).as("send from " + send.getString("from") + " accepted at once; " + facts).hasSize(1);
        }
    }

    /** One line per client: where it was, where it is, when it was back. */
    static String summary(JsonObject result) {
        return result.getJsonArray("clients").stream().map(JsonObject.class::cast).map(c -> {
            String name = c.getString("name");
            String before = client(result.getJsonObject("before"), name).getString("node");
            JsonObject after = client(result.getJsonObject("after"), name);
            return name + " " + before + "->" + after.getString("node") + "/" + after.getString("transport")
                    + (c.containsKey("firstMessageAfter") ? " firstMessage=" + c.getValue("firstMessageAfter") + "ms" : "")
                    + (array(c, "mobileDisconnected").isEmpty() ? "" : " mobile:disconnected=" + array(c, "mobileDisconnected").getValue(0) + "ms");
        }).collect(Collectors.joining("; "));
    }
}
