package io.relay.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.relay.bench.LoadRun.HIGHEST_MICROS;

/**
 * What a run counts and records: written by the pairs on the tool's event loops, read by the run
 * between and after steps. Latencies are microseconds from a message's intended send time.
 */
final class Tally {

    final Recorder p2b = new Recorder(HIGHEST_MICROS, 3);
    final Recorder b2p = new Recorder(HIGHEST_MICROS, 3);
    final Histogram pairing = new Histogram(HIGHEST_MICROS, 3);
    final AtomicLong p2bReceived = new AtomicLong();
    final AtomicLong b2pReceived = new AtomicLong();
    /** Received messages of the measured generation only (stragglers of a warm-up do not count). */
    final AtomicLong measuredReceived = new AtomicLong();
    final AtomicLong p2bSent = new AtomicLong();
    final AtomicLong b2pSent = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    private volatile String lastErrorText = "";
    /** Messages are tagged with the step generation; only the measured generation is recorded. */
    private volatile int measuredGeneration = -1;

    /** From now on, records the latencies of messages tagged {@code generation} (-1: none). */
    void measure(int generation) {
        measuredGeneration = generation;
    }

    void error(String text) {
        errors.incrementAndGet();
        lastErrorText = text;
    }

    String lastError() {
        return lastErrorText;
    }

    /** Records how long pair {@code pair}'s pairing took; the first {@link #unmeasuredPairings} pairs only pair. */
    void recordPairing(int pair, long intended) {
        if (pair < unmeasuredPairings) {
            return;
        }
        synchronized (pairing) {
            // A pairing started up to 1 ms early (timer granularity) counts as zero, never negative.
            pairing.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended))));
        }
    }

    /** One pairing's stages (see --pairing-stages), each in microseconds; kept in pairing order of completion. */
    record PairingStages(int pair, long intendedEpochMs, long lag, long qr, long scanned, long waited, long total) {
        /** The columns of {@link #tsv()}, in its order. */
        static final String HEADER = "pair\tintended_epoch_ms\tlag_us\tqr_us\tscanned_us\twaited_us\ttotal_us";

        String tsv() {
            return pair + "\t" + intendedEpochMs + "\t" + lag + "\t" + qr + "\t" + scanned + "\t" + waited + "\t" + total;
        }
    }

    /** Pairings at the start of the schedule that are not timed (--pairing-warmup). */
    volatile int unmeasuredPairings;
    /** Whether pairings record their stages (--pairing-stages). */
    volatile boolean recordStages;
    final List<PairingStages> pairingStages = Collections.synchronizedList(new ArrayList<>());

    /** A message arrived, tagged {@code generation.intendedNanos.seq}: count it, and time it if measured. */
    void received(String tag, Recorder recorder, AtomicLong counter) {
        long now = System.nanoTime();
        int dot = tag.indexOf('.');
        int dot2 = tag.indexOf('.', dot + 1);
        if (dot < 0 || dot2 < 0) {
            return;
        }
        counter.incrementAndGet();
        if (Integer.parseInt(tag, 0, dot, 10) == measuredGeneration) {
            measuredReceived.incrementAndGet();
            long intended = Long.parseLong(tag, dot + 1, dot2, 10);
            recorder.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(now - intended))));
        }
    }
}
