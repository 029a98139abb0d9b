#!/usr/bin/env bash
# Where a machine's CPU goes during a run, by process group: every JVM apart, PostgreSQL's processes together,
# the load tool, and the rest; with the machine's own user/system/idle split. Run it while a scenario is in
# its measured phase (nothing else on the machine).
#
#   bench/cpu-split.sh [SECONDS (10)]
set -euo pipefail
exec python3 - "${1:-10}" <<'PY'
import os, sys, time

def processes():
    """pid -> (utime + stime in clock ticks, name, command line)"""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[pid] = (int(fields[11]) + int(fields[12]), name, cmd)  # utime, stime
    return out

def machine():
    with open("/proc/stat") as f:
        return list(map(int, f.readline().split()[1:8]))

a, ma, ta = processes(), machine(), time.monotonic()
time.sleep(float(sys.argv[1]))
b, mb, tb = processes(), machine(), time.monotonic()
seconds, hz = tb - ta, os.sysconf("SC_CLK_TCK")
groups = {}
for pid, (ticks, name, cmd) in b.items():
    if pid not in a:
        continue
    key = ("postgres (all processes)" if name == "postgres" else "load tool" if "relay-bench" in cmd
           else f"java {pid}" if name == "java" else f"other: {name}")
    groups[key] = groups.get(key, 0) + ticks - a[pid][0]
names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq"]
print(f"over {seconds:.1f} s, machine, cores: " + "  ".join(
    f"{n} {(y - x) / hz / seconds:.2f}" for n, x, y in zip(names, ma, mb)))
for key, ticks in sorted(groups.items(), key=lambda kv: -kv[1]):
    if ticks / hz / seconds >= 0.01:
        print(f"{key:30s} {ticks / hz / seconds:.2f} cores")
PY
