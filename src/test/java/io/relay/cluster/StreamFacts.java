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

/**
 * What one browser of {@code cluster-stream.js} was delivered, read from its facts: every numbered
 * event as it arrived ({@code deliveries}) and as the browser applied them in seq order ({@code applied}).
 */
record StreamFacts(String name, List<Delivery> deliveries, List<Delivery> applied, JsonObject raw) {

    /**
     * One numbered event: its seq, the number it names as the one before ({@code prevSeq}: lower than seq - 1
     * across numbers that were skipped), the message ids it carried, whether it came while a resume was under way.
     */
    record Delivery(Long seq, Long prevSeq, List<String> ids, boolean duringResume, boolean snapshot) {
    }

    static StreamFacts of(JsonObject browser) {
        return new StreamFacts(browser.getString("name"), deliveries(browser.getJsonArray("deliveries")),
                deliveries(browser.getJsonArray("applied")), browser);
    }

    private static List<Delivery> deliveries(JsonArray array) {
        List<Delivery> out = new ArrayList<>();
        for (Object o : array) {
            JsonObject d = (JsonObject) o;
            List<String> ids = d.getJsonArray("ids").stream().map(String::valueOf).toList();
            out.add(new Delivery(d.getLong("seq"), d.getLong("prevSeq"), ids, Boolean.TRUE.equals(d.getBoolean("duringResume")),
                    Boolean.TRUE.equals(d.getBoolean("snapshot"))));
        }
        return out;
    }

    /** Message ids in the order the browser first applied them (after dedupe by id). */
    List<String> firstOccurrences() {
        Set<String> seen = new LinkedHashSet<>();
        applied.forEach(d -> seen.addAll(d.ids()));
        return List.copyOf(seen);
    }

    /** Every message delivery beyond the first of its id (what the web app's dedupe by id throws away). */
    int duplicateMessages() {
        int total = deliveries.stream().mapToInt(d -> d.ids().size()).sum();
        Set<String> distinct = new HashSet<>();
        deliveries.forEach(d -> distinct.addAll(d.ids()));
        return total - distinct.size();
    }

    /** How often each seq arrived; more than once means a resume replayed what also came live. */
    Map<Long, Integer> seqCounts() {
        Map<Long, Integer> counts = new LinkedHashMap<>();
        deliveries.stream().filter(d -> d.seq() != null).forEach(d -> counts.merge(d.seq(), 1, Integer::sum));
        return counts;
    }

    /** Seqs that arrived more than once, none of whose copies came during a resume: the live path repeated itself. */
    List<Long> repeatedOutsideResumes() {
        Map<Long, Boolean> anyDuringResume = new HashMap<>();
        deliveries.stream().filter(d -> d.seq() != null).forEach(d -> anyDuringResume.merge(d.seq(), d.duringResume(), Boolean::logicalOr));
        return seqCounts().entrySet().stream()
                .filter(e -> e.getValue() > 1 && !anyDuringResume.get(e.getKey()))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * Numbers that an event this browser got names as the one before it, at or after the first it saw, and that
     * never arrived: events lost on the way. (Numbers no event names were skipped, never used.)
     */
    List<Long> missingSeqs() {
        TreeSet<Long> seen = new TreeSet<>(seqCounts().keySet());
        List<Long> missing = new ArrayList<>();
        if (!seen.isEmpty()) {
            deliveries.stream().filter(d -> d.seq() != null && d.prevSeq() != null)
                    .map(StreamFacts.Delivery::prevSeq)
                    .filter(prev -> prev >= seen.first() && !seen.contains(prev))
                    .distinct().forEach(missing::add);
        }
        return missing;
    }

    /** Ranges of numbers skipped between events this browser applied, as "from..to". */
    List<String> skippedRanges() {
        return applied.stream().filter(d -> !d.snapshot() && d.prevSeq() != null && d.prevSeq() < d.seq() - 1)
                .map(d -> (d.prevSeq() + 1) + ".." + (d.seq() - 1)).distinct().toList();
    }

    /** Distinct seqs under which each message id arrived: one per time the relay stored (and numbered) it. */
    Map<String, Integer> seqsPerMessage() {
        Map<String, Set<Long>> seqs = new HashMap<>();
        deliveries.forEach(d -> d.ids().forEach(id -> seqs.computeIfAbsent(id, k -> new HashSet<>()).add(d.seq())));
        Map<String, Integer> out = new HashMap<>();
        seqs.forEach((id, set) -> out.put(id, set.size()));
        return out;
    }

    /** Ids whose first arrival (in arrival order, before applying by seq) came after a later message of its conversation. */
    int arrivalOrderInversions(Map<String, Integer> sendIndex, Map<String, String> conversationOf) {
        Map<String, Integer> lastIndex = new HashMap<>();
        Set<String> seen = new HashSet<>();
        int inversions = 0;
        for (Delivery d : deliveries) {
            for (String id : d.ids()) {
                if (!seen.add(id) || !sendIndex.containsKey(id)) {
                    continue;
                }
                int index = sendIndex.get(id);
                String conversation = conversationOf.get(id);
                if (lastIndex.getOrDefault(conversation, -1) > index) {
                    inversions++;
                } else {
                    lastIndex.put(conversation, index);
                }
            }
        }
        return inversions;
    }

    JsonArray array(String key) {
        return ClusterFlowFacts.array(raw, key);
    }
}
