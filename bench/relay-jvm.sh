# Sourced by the scripts that start a relay node or run a pairing round, so that every benchmark runs them alike.
# RELAY_JAVA_OPTS: the relay's JVM options. By default the heap the image gives a node in a k8s/ pod of 1 GiB, as the
# Dockerfile's JDK_JAVA_OPTIONS say (G1, up to 75 % of it, half of it from the start and never given back; and the JIT
# compiling fully after a tenth of its usual calls, so during the warm-up), with
# -XX:MaxRAM standing for the Deployment's memory limit; set but empty (RELAY_JAVA_OPTS=), the JVM's defaults for this
# machine. DockerfileTest holds these flags to the image's and the limit to the Deployment's.
RELAY_JAVA_OPTS=${RELAY_JAVA_OPTS-"-XX:+UseG1GC -XX:MaxRAM=1g -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:MaxHeapFreeRatio=100 -XX:CompileThresholdScaling=0.1"}
# PAIRING_TOOL_JAVA_OPTS: the load tool's JVM options for a pairing round. A fresh tool JVM drives 200 pairings a
# second for a few seconds: with the first compiler tier alone it compiles itself for 1.3 s of CPU instead of 13, and
# with a fixed 1 GiB young generation it is not collected during the round (see bench/run.sh).
PAIRING_TOOL_JAVA_OPTS=${PAIRING_TOOL_JAVA_OPTS-"-XX:TieredStopAtLevel=1 -Xms2g -Xmn1g"}
