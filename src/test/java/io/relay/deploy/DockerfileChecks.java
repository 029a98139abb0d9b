package io.relay.deploy;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Quantity;
import io.relay.deploy.DockerfileModel.Instruction;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.relay.deploy.DockerfileModel.all;
import static io.relay.deploy.DockerfileModel.last;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What the Dockerfile must say, read as text (there is no Docker engine to build it here) and held
 * against the Kubernetes manifests that run the image. Static checks, so a test can run each
 * against the real file and against a deliberately broken copy.
 */
final class DockerfileChecks {

    /** The module flags Hazelcast asks for on Java 17, in the launcher's key=value form. */
    static final List<String> HAZELCAST_FLAGS = List.of(
            "--add-modules=java.se",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.management/sun.management=ALL-UNNAMED",
            "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED");

    private DockerfileChecks() {
    }

    static void checkStages(DockerfileModel d, Manifests m) {
        assertThat(d.stages()).as("multi-stage").hasSizeGreaterThanOrEqualTo(2);
        List<Instruction> build = d.stage("build").orElseThrow(() -> new AssertionError("no stage named build"));
        assertThat(build.get(0).args()).as("build image").contains("17").containsIgnoringCase("jdk");
        assertThat(d.finalStage().get(0).args()).as("runtime image").contains("17").containsIgnoringCase("jre");

        int goOffline = indexOf(build, "RUN", "dependency:go-offline");
        int copyPom = indexOf(build, "COPY", "pom.xml");
        int copyWrapper = indexOf(build, "COPY", ".mvn");
        int copySources = indexOf(build, "COPY", "src");
        int pkg = indexOf(build, "RUN", " package");
        assertThat(copyPom).as("pom.xml copied before dependencies are resolved").isLessThan(goOffline);
        assertThat(copyWrapper).as(".mvn copied before dependencies are resolved").isLessThan(goOffline);
        assertThat(build.get(copyPom).args()).contains("mvnw");
        assertThat(goOffline).as("dependencies resolved before the sources arrive").isLessThan(copySources);
        assertThat(copySources).isLessThan(pkg);
        // The image packages the sources alone: no tests (they ran before), no Node test clients.
        assertThat(build.get(pkg).args()).contains("./mvnw", "-Dskip.npm=true").containsAnyOf("-DskipTests", "-Dmaven.test.skip=true");
        assertThat(all(d.finalStage(), "COPY")).as("the jar comes from the build stage")
                .anySatisfy(c -> assertThat(c.args()).contains("--from=build", "target/relay.jar"));
    }

    private static int indexOf(List<Instruction> stage, String keyword, String text) {
        for (int i = 0; i < stage.size(); i++) {
            if (stage.get(i).keyword().equals(keyword) && stage.get(i).args().contains(text)) {
                return i;
            }
        }
        return fail("no " + keyword + " with " + text);
    }

    static void checkPorts(DockerfileModel d, Manifests m) {
        Set<Integer> exposed = all(d.finalStage(), "EXPOSE").stream()
                .flatMap(e -> DockerfileModel.words(e.args()).stream())
                .map(p -> Integer.parseInt(p.replaceFirst("/tcp$", "")))
                .collect(Collectors.toSet());
        Set<Integer> declared = m.container().getPorts().stream().map(ContainerPort::getContainerPort).collect(Collectors.toSet());
        assertThat(exposed).as("EXPOSE").containsExactlyInAnyOrder(
                ManifestChecks.HTTP_PORT, ManifestChecks.HAZELCAST_PORT, ManifestChecks.EVENT_BUS_PORT);
        assertThat(exposed).as("EXPOSE equals the Deployment's container ports").isEqualTo(declared);
        Map<String, String> env = DockerfileModel.env(d.finalStage());
        assertThat(env).containsEntry("PORT", String.valueOf(ManifestChecks.HTTP_PORT))
                .containsEntry("HAZELCAST_PORT", String.valueOf(ManifestChecks.HAZELCAST_PORT))
                .containsEntry("EVENT_BUS_PORT", String.valueOf(ManifestChecks.EVENT_BUS_PORT));
    }

    static void checkUser(DockerfileModel d, Manifests m) {
        Instruction user = last(d.finalStage(), "USER").orElseThrow(() -> new AssertionError("no USER: the image would run as root"));
        String uid = user.args().split(":")[0];
        assertThat(uid).as("USER is numeric, so runAsNonRoot can verify it").matches("\\d+");
        assertThat(Long.parseLong(uid)).as("USER is not root").isPositive();
        assertThat(Long.parseLong(uid)).as("USER equals the pod's runAsUser").isEqualTo(ManifestChecks.runAsUser(m));
    }

    static void checkHealthcheck(DockerfileModel d, Manifests m) {
        Instruction hc = last(d.finalStage(), "HEALTHCHECK").orElseThrow(() -> new AssertionError("no HEALTHCHECK"));
        assertThat(hc.args()).as("HEALTHCHECK runs a command").contains("CMD ").doesNotStartWith("NONE");
        Matcher url = Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):(\\S+?)/health/live\\b").matcher(hc.args());
        assertThat(url.find()).as("HEALTHCHECK asks /health/live on the loopback: " + hc.args()).isTrue();
        String port = url.group(1);
        Matcher var = Pattern.compile("\\$\\{?(\\w+)(?::-(\\d+))?}?").matcher(port);
        if (var.matches()) {
            String fromEnv = DockerfileModel.env(d.finalStage()).get(var.group(1));
            port = fromEnv != null ? fromEnv : var.group(2);
        }
        assertThat(port).as("HEALTHCHECK port").isEqualTo(String.valueOf(ManifestChecks.HTTP_PORT));
    }

    static void checkEntrypoint(DockerfileModel d, Manifests m) {
        Instruction ep = last(d.finalStage(), "ENTRYPOINT").orElseThrow(() -> new AssertionError("no ENTRYPOINT"));
        JsonArray argv;
        try {
            argv = new JsonArray(ep.args());
        } catch (DecodeException e) {
            throw new AssertionError("ENTRYPOINT is not exec form (a JSON array), so a shell would get SIGTERM: " + ep.args());
        }
        assertThat(argv.getString(0)).as("the JVM is PID 1").matches("(.*/)?java");
        assertThat(argv.getList()).contains("-jar");
        assertThat(last(d.finalStage(), "STOPSIGNAL").map(Instruction::args)).as("STOPSIGNAL").contains("SIGTERM");

        List<String> flags = new ArrayList<>(environmentFlags(d));
        flags.addAll(normalise(argv.stream().map(String::valueOf).toList()));
        assertThat(flags).containsAll(HAZELCAST_FLAGS)
                .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError")
                // Half the limit from the start, never given back: left to size itself, G1 shrank the heap at its first
                // marking and collected every second or two.
                .contains("-XX:InitialRAMPercentage=50", "-XX:MaxHeapFreeRatio=100")
                // In a pod under 1792 MiB the JVM would pick the Serial collector itself (see the Dockerfile).
                .contains("-XX:+UseG1GC")
                // Code run once per connection or pairing reaches C2 during the warm-up, not on the first users.
                .contains("-XX:CompileThresholdScaling=0.1");
    }

    /**
     * The image's flags that shape how the JVM performs: the heap (its collector, its share of the container's memory,
     * whether it shrinks) and when the JIT compiles.
     */
    private static final Pattern TUNING_FLAG = Pattern.compile(
            "-XX:(\\+UseG1GC|(Initial|Max)RAMPercentage=\\d+|MaxHeapFreeRatio=\\d+|CompileThresholdScaling=[\\d.]+)");

    /**
     * The benchmarks run the relay as a pod runs it: the default JVM options {@code bench/relay-jvm.sh} gives every
     * script are the image's heap and JIT flags, with the Deployment's memory limit as the memory the JVM sizes them from
     * ({@code -XX:MaxRAM}).
     */
    static void checkBenchmarkJvm(DockerfileModel d, Manifests m, String relayJvm) {
        List<String> image = environmentFlags(d).stream().filter(w -> TUNING_FLAG.matcher(w).matches()).toList();
        assertThat(image).as("the image's heap and JIT flags").isNotEmpty();
        Matcher defaults = Pattern.compile("(?m)^RELAY_JAVA_OPTS=\\$\\{RELAY_JAVA_OPTS-\"([^\"]*)\"}").matcher(relayJvm);
        assertThat(defaults.find()).as("bench/relay-jvm.sh gives RELAY_JAVA_OPTS a default").isTrue();
        List<String> bench = List.of(defaults.group(1).trim().split("\\s+"));
        assertThat(bench.stream().filter(w -> TUNING_FLAG.matcher(w).matches()).toList()).as("bench/relay-jvm.sh's heap and JIT flags")
                .containsExactlyInAnyOrderElementsOf(image);
        Matcher maxRam = Pattern.compile("-XX:MaxRAM=(\\d+)([kKmMgG]?)").matcher(String.join(" ", bench));
        assertThat(maxRam.find()).as("bench/relay-jvm.sh tells the JVM the pod's memory (-XX:MaxRAM)").isTrue();
        long shift = switch (maxRam.group(2).toLowerCase()) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        Quantity limit = m.container().getResources().getLimits().get("memory");
        assertThat(BigDecimal.valueOf(Long.parseLong(maxRam.group(1)) << shift)).as("-XX:MaxRAM against the pod's limit " + limit)
                .isEqualByComparingTo(Quantity.getAmountInBytes(limit));
    }

    /** Scripts under bench/ that give a node a small heap on purpose: what they measure is what such a node withstands. */
    static final Set<String> OWN_HEAP = Set.of("hostile.sh", "slowloris.sh");

    /** A {@code java} command line: its options, the jar it runs and what follows. */
    private static final Pattern JAVA_JAR = Pattern.compile("\\bjava\\s+(.*?)-jar\\s+(\\S+)(.*)");

    /**
     * Every script under bench/ (by file name, its text) that starts a relay node starts it with those options: it
     * sources {@code bench/relay-jvm.sh} and its node's {@code java} line names {@code $RELAY_JAVA_OPTS} (or the
     * baseline's, which defaults to it), except the scripts of {@link #OWN_HEAP}. The load tool's jar and the relay
     * jar's {@code embedded-postgres} command start no node.
     */
    static void checkBenchmarkScripts(Map<String, String> scripts) {
        List<String> nodes = new ArrayList<>();
        scripts.forEach((name, text) -> {
            if (OWN_HEAP.contains(name)) {
                return;
            }
            List<Matcher> starts = text.lines().map(String::strip).filter(line -> !line.startsWith("#")).map(JAVA_JAR::matcher)
                    .filter(java -> java.find() && !java.group(2).contains("BENCH_JAR") && !java.group(3).strip().startsWith("embedded-postgres"))
                    .toList();
            if (starts.isEmpty()) {
                return;
            }
            assertThat(text).as(name + " sources bench/relay-jvm.sh").containsPattern("(?m)^\\. bench/relay-jvm\\.sh\\b");
            for (Matcher java : starts) {
                nodes.add(name + ": " + java.group());
                assertThat(java.group(1)).as(name + " starts a node with the benchmarks' JVM options: " + java.group())
                        .containsAnyOf("$RELAY_JAVA_OPTS", "$BASELINE_JAVA_OPTS");
            }
        });
        assertThat(nodes).as("the scripts' lines that start a relay node").isNotEmpty();
    }

    /** The JVM flags the image's environment gives every {@code java} it starts, as the launcher reads them. */
    private static List<String> environmentFlags(DockerfileModel d) {
        Map<String, String> env = DockerfileModel.env(d.finalStage());
        List<String> flags = new ArrayList<>();
        for (String name : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            flags.addAll(normalise(DockerfileModel.words(env.getOrDefault(name, ""))));
        }
        return flags;
    }

    /** {@code --add-opens X} and {@code --add-opens=X} mean the same to the launcher. */
    private static List<String> normalise(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.matches("--add-(modules|exports|opens)") && i + 1 < args.size()) {
                out.add(a + "=" + args.get(++i));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    static void checkDataDir(DockerfileModel d, Manifests m) {
        String dataDir = DockerfileModel.env(d.finalStage()).get("DATA_DIR");
        assertThat(dataDir).as("image DATA_DIR").isNotBlank().isEqualTo(m.effectiveEnv().get("DATA_DIR"));
        assertThat(m.container().getVolumeMounts()).anySatisfy(v -> assertThat(v.getMountPath()).isEqualTo(dataDir));
        // ImageIT cannot run this RUN (it would add users to the machine) and gives DATA_DIR to the USER itself.
        String owner = last(d.finalStage(), "USER").map(Instruction::args).orElse("0");
        Pattern chown = Pattern.compile("\\bchown\\s+(?:-R\\s+)?" + Pattern.quote(owner) + "\\s+" + Pattern.quote(dataDir) + "(?:\\s|$)");
        assertThat(all(d.finalStage(), "RUN")).as("a RUN gives DATA_DIR to the USER (%s)", owner)
                .anySatisfy(r -> assertThat(chown.matcher(r.args()).find()).as(r.args()).isTrue());
    }

    static void checkIgnored(String ignore) {
        List<String> patterns = ignore.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (String needed : List.of(".git", "target", "data", "node_modules")) {
            assertThat(patterns).as(".dockerignore excludes " + needed).anySatisfy(p -> assertThat(p).isIn(needed, "**/" + needed));
        }
        assertThat(patterns).as("node_modules is excluded at any depth (the test clients live under src/test/node)").contains("**/node_modules");
    }
}
