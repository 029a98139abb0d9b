package io.relay.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verdict on a {@code hosts-stream.js} run: what each phone sent and each browser was handed, judged
 * against the relay's promises (every message once after de-duplication by id, per-conversation order,
 * seqs in order, each following the one it names as before it, unless a {@code sync:reset} said otherwise, every acknowledged send at its phone once).
 */
final class HostStreamFacts {
    private final JsonObject result;
    private final Map<String, JsonObject> phones = new LinkedHashMap<>();

    private HostStreamFacts(JsonObject result) {
        this.result = result;
        result.getJsonArray("phones").forEach(p -> phones.put(((JsonObject) p).getString("name"), (JsonObject) p));
    }

    static HostStreamFacts of(JsonObject result) {
        return new HostStreamFacts(result);
    }

    List<JsonObject> browsers() {
        return result.getJsonArray("browsers").stream().map(JsonObject.class::cast).toList();
    }

    /**
     * Judged on what each browser was handed in arrival order, as a passive app shows it: every id of its
     * phone, none else; first occurrences of each conversation in the order sent; numbered events in order
     * (each naming the highest seen so far as the one before it, or one already seen), unless the relay said
     * {@code sync:reset}.
     */
    void everyBrowserHoldsEveryMessageOnceInOrder(String facts) {
        for (JsonObject browser : browsers()) {
            judge(browser, arrivals(browser), facts);
            List<JsonObject> numbered = numbered(browser.getJsonArray("deliveries"));
            long max = numbered.isEmpty() ? 0 : numbered.get(0).getLong("seq");
            for (int i = 1; i < numbered.size(); i++) {
                long seq = numbered.get(i).getLong("seq");
                if (browser.getJsonArray("resets").isEmpty() && seq > max) {
                    assertThat(numbered.get(i).getLong("prevSeq"))
                            .as("%s: seq #%d came after %d without the one before it; %s", browser.getString("name"), i, max, facts)
                            .isLessThanOrEqualTo(max);
                }
                max = Math.max(max, seq);
            }
        }
    }

    /**
     * Judged on what each browser applied in seq order (a browser that reconnects and resumes gets older
     * events after newer live ones, and applies by seq): every id once, in order, no seq skipped unless
     * the relay said so ({@code sync:reset}, then a full sync current to a seq: the browser goes on from
     * there, as the protocol allows).
     */
    void everyBrowserAppliedEveryMessageOnceInOrder(String facts) {
        for (JsonObject browser : browsers()) {
            List<String> applied = new ArrayList<>();
            long last = -1;
            int i = 0;
            for (Object a : browser.getJsonArray("applied")) {
                JsonObject d = (JsonObject) a;
                d.getJsonArray("ids").forEach(id -> applied.add((String) id));
                long seq = d.getLong("seq");
                if (Boolean.TRUE.equals(d.getBoolean("snapshot"))) {
                    last = seq; // a full sync: current to its seq
                } else {
                    if (last >= 0) {
                        assertThat(seq).as("%s: applied seq #%d; %s", browser.getString("name"), i, facts).isGreaterThan(last);
                        // The one before it, or an earlier one: a dying node may have relayed events it never stored.
                        assertThat(d.getLong("prevSeq")).as("%s: applied seq #%d follows the one before; %s", browser.getString("name"), i, facts)
                                .isLessThanOrEqualTo(last);
                    }
                    last = seq;
                }
                i++;
            }
            judge(browser, applied, facts);
            assertThat(browser.getJsonArray("stillWaiting")).as("%s: events left waiting for a gap; %s", browser.getString("name"), facts).isEmpty();
        }
    }

    private void judge(JsonObject browser, List<String> delivered, String facts) {
        String name = browser.getString("name");
        JsonObject phone = phones.get(browser.getString("phone"));
        List<String> sent = new ArrayList<>();
        Map<String, String> conversationOf = new HashMap<>();
        phone.getJsonArray("generated").forEach(g -> {
            JsonObject m = (JsonObject) g;
            sent.add(m.getString("id"));
            conversationOf.put(m.getString("id"), m.getString("conversationId"));
        });
        List<String> first = List.copyOf(new LinkedHashSet<>(delivered));
        Set<String> missing = new TreeSet<>(sent);
        first.forEach(missing::remove);
        Set<String> extra = new TreeSet<>(first);
        sent.forEach(extra::remove);
        assertThat(missing).as("%s: messages lost (%d of %d); %s", name, missing.size(), sent.size(), facts).isEmpty();
        assertThat(extra).as("%s: messages its phone never sent; %s", name, facts).isEmpty();
        assertThat(perConversation(first, conversationOf)).as("%s: per-conversation order; %s", name, facts)
                .isEqualTo(perConversation(sent, conversationOf));
    }

    void noBrowserAskedToResume(String facts) {
        for (JsonObject browser : browsers()) {
            assertThat(browser.getJsonArray("resumes")).as("%s resumed by itself; %s", browser.getString("name"), facts).isEmpty();
            assertThat(browser.getJsonArray("disconnects")).as("%s reconnected (a reload, for the app); %s", browser.getString("name"), facts).isEmpty();
        }
    }

    /** Every send a browser was told is stored reached its phone, and no command reached a phone twice. */
    void everyAcknowledgedSendReachedItsPhoneOnce(String facts) {
        int acked = 0;
        for (JsonObject browser : browsers()) {
            JsonObject commands = phones.get(browser.getString("phone")).getJsonObject("commands");
            for (Object tempId : browser.getJsonArray("acked")) {
                acked++;
                assertThat(commands.getInteger((String) tempId)).as("%s's send %s at its phone; %s", browser.getString("name"), tempId, facts)
                        .isEqualTo(1);
            }
        }
        for (JsonObject phone : phones.values()) {
            phone.getJsonObject("commands").forEach(e -> assertThat(((Number) e.getValue()).intValue())
                    .as("%s got %s %s times; %s", phone.getString("name"), e.getKey(), e.getValue(), facts).isEqualTo(1));
        }
        assertThat(acked).as("browsers sent and were acknowledged; " + facts).isPositive();
    }

    /**
     * Every send a browser was told is stored reached its phone (phones that confirm commands may get one
     * again after a reconnect, which they drop by tempId: counted in {@link #repeatedCommands()}).
     */
    void everyAcknowledgedSendReachedItsPhone(String facts) {
        int acked = 0;
        for (JsonObject browser : browsers()) {
            JsonObject commands = phones.get(browser.getString("phone")).getJsonObject("commands");
            for (Object tempId : browser.getJsonArray("acked")) {
                acked++;
                assertThat(commands.getInteger((String) tempId)).as("%s's send %s at its phone; %s", browser.getString("name"), tempId, facts)
                        .isNotNull().isPositive();
            }
        }
        assertThat(acked).as("browsers sent and were acknowledged; " + facts).isPositive();
    }

    /** Commands a phone got more than once (dropped by tempId by a phone that confirms commands). */
    int repeatedCommands() {
        int n = 0;
        for (JsonObject phone : phones.values()) {
            n += phone.getJsonObject("commands").stream().mapToInt(e -> ((Number) e.getValue()).intValue() - 1).sum();
        }
        return n;
    }

    void noErrorEvents(String facts) {
        for (JsonObject browser : browsers()) {
            assertThat(browser.getJsonArray("errors")).as("%s saw error events; %s", browser.getString("name"), facts).isEmpty();
        }
        for (JsonObject phone : phones.values()) {
            assertThat(phone.getJsonArray("errors")).as("%s saw error events; %s", phone.getString("name"), facts).isEmpty();
        }
    }

    /** What clients saw: reconnects per client. */
    String reconnects() {
        List<String> out = new ArrayList<>();
        for (JsonObject phone : phones.values()) {
            out.add(phone.getString("name") + " registered " + phone.getJsonArray("registrations").size() + "x");
        }
        for (JsonObject browser : browsers()) {
            out.add(browser.getString("name") + " " + browser.getJsonArray("disconnects").size() + " disconnects, nodes "
                    + browser.getJsonArray("nodes").encode());
        }
        return "clients: " + String.join("; ", out);
    }

    void everyBrowserLastHeardItsPhoneOnline(String facts) {
        for (JsonObject browser : browsers()) {
            JsonArray presence = browser.getJsonArray("presence");
            assertThat(presence).as("%s heard of its phone; %s", browser.getString("name"), facts).isNotEmpty();
            assertThat(presence.getJsonObject(presence.size() - 1).getBoolean("online"))
                    .as("%s last heard its phone is online (it is); %s", browser.getString("name"), facts).isTrue();
        }
    }

    List<String> browsersToldOffline() {
        return browsers().stream().filter(b -> b.getJsonArray("presence").stream().anyMatch(p -> !((JsonObject) p).getBoolean("online")))
                .map(b -> b.getString("name")).toList();
    }

    /** Messages the phones sent more than once (not acknowledged in time, sent again with the same id). */
    int resent() {
        int n = 0;
        for (JsonObject phone : phones.values()) {
            n += phone.getJsonObject("sends").stream().mapToInt(e -> ((Number) e.getValue()).intValue() - 1).sum();
        }
        return n;
    }

    /** Message deliveries beyond the first of their id, over all browsers (what de-duplication by id removes). */
    long duplicates() {
        long n = 0;
        for (JsonObject browser : browsers()) {
            List<String> all = arrivals(browser);
            n += all.size() - new HashSet<>(all).size();
        }
        return n;
    }

    long resets() {
        return browsers().stream().mapToLong(b -> b.getJsonArray("resets").size()).sum();
    }

    long messagesSent() {
        return phones.values().stream().mapToLong(p -> p.getJsonArray("generated").size()).sum();
    }

    String summary() {
        StringBuilder out = new StringBuilder();
        for (JsonObject browser : browsers()) {
            List<String> all = arrivals(browser);
            out.append(String.format("%s on %s: %d deliveries, %d duplicates, %d resets, presence %s%n  ", browser.getString("name"),
                    browser.getJsonArray("nodes").encode(), all.size(), all.size() - new HashSet<>(all).size(),
                    browser.getJsonArray("resets").size(),
                    browser.getJsonArray("presence").stream().map(p -> ((JsonObject) p).getBoolean("online") ? "on" : "off").toList()));
        }
        out.append(String.format("phones re-sent %d messages; %d duplicate deliveries before de-duplication; %d sends handed to a phone again; "
                + "%d sync:reset", resent(), duplicates(), repeatedCommands(), resets()));
        return out.toString();
    }

    private static List<String> arrivals(JsonObject browser) {
        List<String> ids = new ArrayList<>();
        browser.getJsonArray("deliveries").forEach(d -> ((JsonObject) d).getJsonArray("ids").forEach(id -> ids.add((String) id)));
        return ids;
    }

    private static List<JsonObject> numbered(JsonArray deliveries) {
        List<JsonObject> out = new ArrayList<>();
        deliveries.forEach(d -> {
            if (((JsonObject) d).getLong("seq") != null) {
                out.add((JsonObject) d);
            }
        });
        return out;
    }

    private static Map<String, List<String>> perConversation(List<String> ids, Map<String, String> conversationOf) {
        Map<String, List<String>> out = new HashMap<>();
        ids.forEach(id -> out.computeIfAbsent(conversationOf.getOrDefault(id, "?"), k -> new ArrayList<>()).add(id));
        return out;
    }
}
