package io.relay.bench;

import io.vertx.core.Context;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocketClient;

import java.util.ArrayList;
import java.util.List;

/** An event loop of the tool with the pairs it drives; its timer and connections live on its context. */
final class Worker {
    final Context context;
    final List<WebSocketClient> clients;
    final HttpClient http;
    final List<SimulatedPair> pairs = new ArrayList<>();

    Worker(Context context, List<WebSocketClient> clients, HttpClient http) {
        this.context = context;
        this.clients = clients;
        this.http = http;
    }

    /** A 1 ms timer that sends whatever the schedule says is due; returns the timer id. */
    long startSchedule(long start, long end, double rate, double webRate, int generation) {
        long[] sent = new long[2];
        double phoneInterval = rate > 0 ? 1e9 / rate : Double.MAX_VALUE;
        double webInterval = webRate > 0 ? 1e9 / webRate : Double.MAX_VALUE;
        return context.owner().setPeriodic(0, 1, id -> {
            long now = System.nanoTime();
            long elapsed = Math.min(now, end - 1) - start;
            long duePhone = (long) (elapsed / phoneInterval) + 1;
            while (sent[0] < duePhone) {
                long intended = start + (long) (sent[0] * phoneInterval);
                pairs.get((int) (sent[0] % pairs.size())).sendFromPhone(generation, intended, sent[0]);
                sent[0]++;
            }
            long dueWeb = (long) (elapsed / webInterval) + 1;
            while (sent[1] < dueWeb) {
                long intended = start + (long) (sent[1] * webInterval);
                pairs.get((int) (sent[1] % pairs.size())).sendFromBrowser(generation, intended, sent[1]);
                sent[1]++;
            }
        });
    }
}
