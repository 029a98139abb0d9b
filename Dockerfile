# The relay node image: build the shaded jar with the Maven wrapper, run it on a JRE as a non-root
# user. Needs no BuildKit-only features, so any builder works:
#   docker build -t relay:0.1.0 .

# ---- build ------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jdk-noble AS build
WORKDIR /src

# Dependencies change far less often than code: resolve them in their own layer so a source edit
# does not download the world again. The wrapper fetches Maven itself (curl and tar are in the image).
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN ./mvnw -B -q dependency:go-offline -Dskip.npm=true

# Everything the jar is made of: the sources (the demo's socket.io client is a file among them, so
# the image needs no Node), and the configuration file and Hazelcast settings it carries.
# maven.test.skip leaves the tests out, compilation included (most of the build's time); skip.npm
# leaves out the Node test clients. ImageIT runs these commands as written and checks that the jar
# equals, entry by entry, the one the tests tested.
COPY conf/ conf/
COPY cluster.xml ./
COPY src/ src/
RUN ./mvnw -B -q package -Dmaven.test.skip=true -Dskip.npm=true

# ---- runtime ----------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre-noble

# A numeric, non-root user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
# DATA_DIR is the only place the node writes besides /tmp, where Vert.x makes its file cache at
# start-up (in production DATA_DIR holds nothing; the pod mounts an emptyDir on each).
# The HEALTHCHECK below uses curl, which the Temurin images ship; fail the build if that changes.
RUN groupadd --system --gid 10001 relay \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin relay \
 && mkdir -p /app/data \
 && chown 10001:10001 /app/data \
 && curl --version > /dev/null

WORKDIR /app
# The jar carries conf/config.json (empty: the defaults are built in); the environment overrides it.
COPY --from=build /src/target/relay.jar /app/relay.jar

# JDK_JAVA_OPTIONS is read by the `java` launcher only (not by jcmd and friends):
#  - heap sized from the container's memory limit, and a clean exit (then a restart) on OOM
#    instead of a half-dead node that still holds sockets;
#  - half of that limit as heap from the start, never given back (MaxHeapFreeRatio=100): left
#    to size itself, G1 shrank the heap to 80-150 MiB at its markings (the first a few seconds
#    after start), so at 200 pairings/s its young collections came every second or two, with
#    pauses of 7-33 ms where the slowest pairings were (BENCHMARKS.md, round of 2026-12-07,
#    nineteenth session). Half, not all: the JVM's own memory (classes, code, threads, Netty's
#    buffers) takes about 200 MiB more, and a heap held at 75 % would leave a 1 GiB pod none;
#  - the G1 collector, named: left to itself, a JVM given less than 1792 MiB (k8s/'s pods have
#    1 GiB) picks the Serial collector, whose pauses tripled the pairing p99 at 200 pairings/s
#    (BENCHMARKS.md, round of 2026-12-04 evening), and would change collector when a pod's limit
#    is raised past that line;
#  - the JIT compiling a method fully after a tenth of the calls it would otherwise wait for
#    (CompileThresholdScaling=0.1): code that runs once per connection or pairing then reaches its
#    final compilation during the warm-up (40-50 s on 2 cores instead of 30-40) instead of on the
#    first few thousand users; pairing p99 at 200 pairings/s on a node fresh from it fell by
#    13-47 %, CPU a message at steady state unmoved (BENCHMARKS.md, twenty-first session);
#  - the module flags Hazelcast asks for on Java 17 (without them it logs warnings and loses
#    some metrics and faster I/O paths).
# To add flags, extend this value rather than replacing it.
ENV DATA_DIR=/app/data \
    PORT=3000 \
    HAZELCAST_PORT=5701 \
    EVENT_BUS_PORT=17001 \
    JDK_JAVA_OPTIONS="-XX:+UseG1GC -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:MaxHeapFreeRatio=100 -XX:CompileThresholdScaling=0.1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true --add-modules=java.se --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.management/sun.management=ALL-UNNAMED --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED"

USER 10001:10001

# 3000 HTTP (REST, Socket.IO, health, metrics) is the only public port. 5701 (Hazelcast) and 17001
# (event bus, pinned here instead of Vert.x's random port) are for other nodes only: Hazelcast
# Community Edition has no member authentication or TLS.
EXPOSE 3000 5701 17001

HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health/live" || exit 1

# The JVM is PID 1 (exec form, no shell in between), so SIGTERM reaches it and its shutdown hook
# drains the node (bounded by DRAIN_SECONDS) before it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/app/relay.jar"]
