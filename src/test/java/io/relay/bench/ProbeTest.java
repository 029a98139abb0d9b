package io.relay.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The load tool's server probe")
class ProbeTest {

    @Test
    @DisplayName("counts the CPU of a process's descendants, as PostgreSQL's backends under their postmaster")
    void cpuOfDescendants() throws Exception {
        // An idle shell whose child spins: only the descendant walk can see the spinning.
        Process parent = new ProcessBuilder("sh", "-c", "sh -c 'while :; do :; done'; exit 0").start();
        try {
            double before = Probe.cpuMillis(List.of(parent.pid()));
            long deadline = System.nanoTime() + 30_000_000_000L;
            double spent = 0;
            while (spent < 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                spent = Probe.cpuMillis(List.of(parent.pid())) - before;
            }
            assertThat(before).isNotNegative();
            assertThat(spent).as("CPU ms of the spinning grandchild, seen through its parent").isGreaterThanOrEqualTo(200);
        } finally {
            parent.descendants().forEach(ProcessHandle::destroyForcibly);
            parent.destroyForcibly();
        }
    }
}
