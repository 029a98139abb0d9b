package io.relay.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The image's contract (checks in {@link DockerfileChecks}), each check also shown to fail on a
 * broken copy.
 *
 * <p>Keep Kubernetes model types out of this class's signatures, lambdas included: JUnit reflects
 * on every test class in the execution that runs without the model (see pom.xml).
 */
@Tag("deploy")
@DisplayName("Dockerfile")
class DockerfileTest {

    private static String dockerfile;
    private static String dockerignore;
    private static Manifests manifests;
    private static String relayJvm;
    private static Map<String, String> benchScripts;

    @BeforeAll
    static void load() throws IOException {
        dockerfile = Files.readString(Path.of("Dockerfile"));
        dockerignore = Files.readString(Path.of(".dockerignore"));
        manifests = Manifests.load();
        relayJvm = Files.readString(Path.of("bench/relay-jvm.sh"));
        benchScripts = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("bench"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".sh")).toList()) {
                benchScripts.put(f.getFileName().toString(), Files.readString(f));
            }
        }
    }

    @Test
    @DisplayName("builds with the Maven wrapper on a JDK 17, dependencies in their own layer, and runs on a JRE 17")
    void stages() {
        DockerfileChecks.checkStages(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("EXPOSEs exactly the ports the Deployment declares, and its ENV says the same ports")
    void ports() {
        DockerfileChecks.checkPorts(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("runs as a numeric non-root user, the one the pod's securityContext names")
    void user() {
        DockerfileChecks.checkUser(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("has a HEALTHCHECK on /health/live at the HTTP port")
    void healthcheck() {
        DockerfileChecks.checkHealthcheck(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("starts the JVM in exec form on SIGTERM, with a container-sized heap, an early JIT and Hazelcast's module flags")
    void entrypoint() {
        DockerfileChecks.checkEntrypoint(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("DATA_DIR is the directory the pod mounts a writable emptyDir on, and the image gives it to its user")
    void dataDir() {
        DockerfileChecks.checkDataDir(DockerfileModel.parse(dockerfile), manifests);
    }

    @Test
    @DisplayName("the benchmarks run the relay with the image's heap and JIT flags, the heap sized from the Deployment's memory limit")
    void benchmarkJvm() {
        DockerfileChecks.checkBenchmarkJvm(DockerfileModel.parse(dockerfile), manifests, relayJvm);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenRelayJvms")
    @DisplayName("a bench/relay-jvm.sh whose relay JVM is not the pod's fails the check when")
    void brokenRelayJvmFails(String what, String from, String to) {
        assertThat(relayJvm).as("the text to break").contains(from);
        String copy = relayJvm.replace(from, to);
        assertThatThrownBy(() -> DockerfileChecks.checkBenchmarkJvm(DockerfileModel.parse(dockerfile), manifests, copy)).as(what)
                .isInstanceOf(AssertionError.class);
    }

    @Test
    @DisplayName("every script under bench/ that starts a relay node starts it with those options, but for the two that cap its heap on purpose")
    void benchmarkScripts() {
        assertThat(benchScripts).containsKeys("run.sh", "pairing-cpu.sh", "drain-time.sh").containsKeys(DockerfileChecks.OWN_HEAP.toArray(String[]::new));
        DockerfileChecks.checkBenchmarkScripts(benchScripts);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenBenchScripts")
    @DisplayName("a script under bench/ that starts a node with other options fails the check when")
    void brokenBenchScriptFails(String what, String script, String from, String to) {
        assertThat(benchScripts.get(script)).as("the text to break").contains(from);
        Map<String, String> copy = new TreeMap<>(benchScripts);
        copy.put(script, copy.get(script).replace(from, to));
        assertThatThrownBy(() -> DockerfileChecks.checkBenchmarkScripts(copy)).as(what).isInstanceOf(AssertionError.class);
    }

    static Stream<Arguments> brokenBenchScripts() {
        return Stream.of(
                arguments("a node runs the JVM's defaults", "pairing-cpu.sh", "java $RELAY_JAVA_OPTS -jar target/relay.jar", "java -jar target/relay.jar"),
                arguments("a node runs options of its own", "drain-time.sh", "java $RELAY_JAVA_OPTS -jar \"$JAR\"", "java -Xmx256m -jar \"$JAR\""),
                arguments("the options are used but never sourced", "idle-histogram.sh", ". bench/relay-jvm.sh\n", ""),
                arguments("a cluster's node runs the JVM's defaults", "run.sh", "DATABASE_URL=\"$DB\" java $RELAY_JAVA_OPTS -jar", "DATABASE_URL=\"$DB\" java -jar"));
    }

    static Stream<Arguments> brokenRelayJvms() {
        return Stream.of(
                arguments("it grows the heap from the JVM's default", " -XX:InitialRAMPercentage=50", ""),
                arguments("it gives the heap back", " -XX:MaxHeapFreeRatio=100", ""),
                arguments("it sizes the heap for a bigger pod", "-XX:MaxRAM=1g", "-XX:MaxRAM=2g"),
                arguments("it sizes the heap from the machine's memory", " -XX:MaxRAM=1g", ""),
                arguments("its JIT waits for the usual number of calls", " -XX:CompileThresholdScaling=0.1", ""),
                arguments("its JIT compiles after a different number of calls", "-XX:CompileThresholdScaling=0.1", "-XX:CompileThresholdScaling=0.5"));
    }

    @Test
    @DisplayName(".dockerignore keeps target, data, node_modules and .git out of the build context")
    void ignored() {
        DockerfileChecks.checkIgnored(dockerignore);
    }

    static Stream<Arguments> brokenCopies() {
        return Stream.of(
                broken("a port is not exposed", "EXPOSE 3000 5701 17001", "EXPOSE 3000 5701", DockerfileChecks::checkPorts),
                broken("the event-bus port in ENV differs", "EVENT_BUS_PORT=17001", "EVENT_BUS_PORT=0", DockerfileChecks::checkPorts),
                broken("no USER, so root", "USER 10001:10001\n", "", DockerfileChecks::checkUser),
                broken("USER by name", "USER 10001:10001", "USER relay", DockerfileChecks::checkUser),
                broken("the health check asks another path", "/health/live\" || exit 1", "/\" || exit 1", DockerfileChecks::checkHealthcheck),
                broken("ENTRYPOINT in shell form", "ENTRYPOINT [\"java\", \"-jar\", \"/app/relay.jar\"]",
                        "ENTRYPOINT java -jar /app/relay.jar", DockerfileChecks::checkEntrypoint),
                broken("the heap grows from the JVM's default", " -XX:InitialRAMPercentage=50", "", DockerfileChecks::checkEntrypoint),
                broken("the heap is given back", " -XX:MaxHeapFreeRatio=100", "", DockerfileChecks::checkEntrypoint),
                broken("the JIT waits for the usual number of calls", " -XX:CompileThresholdScaling=0.1", "", DockerfileChecks::checkEntrypoint),
                broken("a Hazelcast flag is missing", " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "", DockerfileChecks::checkEntrypoint),
                broken("the sources are copied before dependencies are resolved",
                        "COPY .mvn/ .mvn/\n", "COPY .mvn/ .mvn/\nCOPY src/ src/\n", DockerfileChecks::checkStages),
                broken("the runtime is a JDK", "FROM eclipse-temurin:17-jre-noble", "FROM eclipse-temurin:17-jdk-noble",
                        DockerfileChecks::checkStages),
                broken("DATA_DIR differs from the pod's mount", "DATA_DIR=/app/data", "DATA_DIR=/var/relay", DockerfileChecks::checkDataDir),
                broken("DATA_DIR is not the user's", "chown 10001:10001 /app/data", "chown 10001:10001 /app", DockerfileChecks::checkDataDir));
    }

    private static Arguments broken(String what, String from, String to, BiConsumer<DockerfileModel, Manifests> check) {
        return arguments(what, from, to, check);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCopies")
    @DisplayName("a broken copy of the Dockerfile fails its check when")
    void brokenCopyFails(String what, String from, String to, BiConsumer<DockerfileModel, Manifests> check) {
        assertThat(dockerfile).as("the text to break").contains(from);
        DockerfileModel copy = DockerfileModel.parse(dockerfile.replace(from, to));
        assertThatThrownBy(() -> check.accept(copy, manifests)).as(what).isInstanceOf(AssertionError.class);
    }

    @Test
    @DisplayName("a .dockerignore that lets node_modules in fails its check")
    void brokenIgnoreFails() {
        assertThatThrownBy(() -> DockerfileChecks.checkIgnored(dockerignore.replace("**/node_modules", ""))).isInstanceOf(AssertionError.class);
    }

    @Test
    @DisplayName("the build context is read as Docker reads .dockerignore: the sources in, build output, data and installed Node packages out")
    void context() {
        DockerIgnore ignore = DockerIgnore.parse(dockerignore);
        assertThat(List.of("target/relay.jar", "data/pg/PG_VERSION", "src/test/node/node_modules/socket.io-client/package.json",
                ".git/HEAD", "relay.iml", "src/main/resources/some.log")).allSatisfy(p -> assertThat(ignore.excludes(p)).as(p).isTrue());
        assertThat(List.of("Dockerfile", "pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties", "cluster.xml", "conf/config.json",
                "src/main/java/io/relay/Main.java", "src/main/resources/webroot/demo/vendor/socket.io.min.js", "src/test/node/relay-kit.js"))
                .allSatisfy(p -> assertThat(ignore.excludes(p)).as(p).isFalse());

        DockerIgnore rules = DockerIgnore.parse("""
                # comment
                /target
                **/*.tmp
                docs/*
                !docs/keep.md
                a?c
                """);
        assertThat(rules.excludes("target/x")).isTrue();
        assertThat(rules.excludes("src/target/x")).as("a pattern without ** is anchored at the root").isFalse();
        assertThat(rules.excludes("x.tmp")).as("**/ also matches no directory").isTrue();
        assertThat(rules.excludes("a/b/x.tmp")).isTrue();
        assertThat(rules.excludes("docs/demo.png")).isTrue();
        assertThat(rules.excludes("docs/keep.md")).as("! takes a path back in").isFalse();
        assertThat(rules.excludes("abc")).isTrue();
        assertThat(rules.excludes("a/c")).as("? does not match /").isFalse();
    }

    @Test
    @DisplayName("the parser joins continued lines, skips comments inside them and reads quoted ENV values")
    void parser() {
        DockerfileModel d = DockerfileModel.parse("""
                FROM a AS build
                RUN one \\
                # a comment inside the continuation
                 two
                FROM b
                ENV A=1 \\
                    B="x y" C='z'
                ENV D plain words
                """);
        assertThat(d.stages()).hasSize(2);
        assertThat(d.stage("build").orElseThrow().get(1).args()).isEqualTo("one   two");
        assertThat(DockerfileModel.env(d.finalStage())).containsExactly(
                Map.entry("A", "1"), Map.entry("B", "x y"), Map.entry("C", "z"), Map.entry("D", "plain words"));
    }
}
