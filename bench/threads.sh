#!/usr/bin/env bash
# Where one process's CPU goes, by thread: user + system time of each of its threads over SECONDS, summed by name
# with the digits folded (a JVM's "C2 CompilerThread0" and "...1" count as one), in ms a second, busiest first. For
# a relay: its event loop apart from the JIT compiler, the collector and Hazelcast (run it in a scenario's measured
# phase, or beside bench/cpu-split.sh).
#
#   bench/threads.sh PID [SECONDS (10)]
set -euo pipefail
exec python3 - "$1" "${2:-10}" <<'PY'
import collections, os, re, sys, time

pid, seconds = sys.argv[1], float(sys.argv[2])
tick = os.sysconf("SC_CLK_TCK")

def threads():
    """tid -> (name with digits folded, utime + stime in clock ticks)"""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (re.sub(r"[0-9]+", "#", name), int(fields[11]) + int(fields[12]))
    return out

before = threads()
time.sleep(seconds)
after = threads()
by_name = collections.Counter()
for tid, (name, ticks) in after.items():
    by_name[name] += ticks - before.get(tid, (name, 0))[1]
per_second = lambda ticks: ticks * 1000 / tick / seconds
print(f"process {pid} over {seconds:g} s: {per_second(sum(by_name.values())):.1f} ms of CPU a second")
for name, ticks in by_name.most_common():
    if ticks:
        print(f"  {name:32s} {per_second(ticks):7.1f}")
PY
