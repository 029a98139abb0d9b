package io.relay.deploy;

import io.relay.ChildProcesses;
import io.relay.deploy.DockerfileModel.Instruction;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.relay.deploy.DockerfileModel.all;
import static io.relay.deploy.DockerfileModel.last;

/**
 * Runs the Dockerfile's final stage the way a container would, without a Docker engine: the jar it
 * copies from the build stage at the path it names, its WORKDIR, its ENV, its numeric USER and its
 * exec-form ENTRYPOINT, in a root of its own where, as in the pod (read-only root file system, an
 * emptyDir on /tmp and one on DATA_DIR), that user can write to DATA_DIR and a fresh /tmp and nowhere
 * else, and where the JVM is PID 1 of its own PID namespace.
 *
 * <p>The root is built by a shell script in a private mount namespace ({@code unshare}, so the
 * machine's mounts are untouched): the machine's {@code /usr}, {@code /etc}, {@code /opt} and
 * {@code /var} read-only stand in for the base image's (the JRE is the tests' JDK 17), a minimal
 * {@code /dev}, {@code /proc}, and an {@code /etc/passwd} with the user the stage's RUN creates.
 * That RUN itself is not run (it would add users to this machine); {@link DockerfileChecks#checkDataDir}
 * checks that it makes DATA_DIR the user's. Needs root, as CI has.
 */
final class RuntimeStage {

    /** The base image's system directories, taken read-only from this machine. */
    private static final List<String> SYSTEM = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "opt", "var");

    private static final String SANDBOX = """
            set -eu
            root=$1 jar=$2 jar_at=$3 data=$4 data_at=$5 workdir=$6 passwd=$7 group=$8 uid=$9 gid=${10}
            shift 10
            ro_bind() { mount --bind "$1" "$2"; mount -o remount,bind,ro "$2"; }
            mount --make-rprivate /
            mount -t tmpfs -o mode=0755 image-root "$root"
            for top in %s; do
              if [ -L "/$top" ]; then ln -s "$(readlink "/$top")" "$root/$top"
              elif [ -d "/$top" ]; then mkdir "$root/$top"; ro_bind "/$top" "$root/$top"
              fi
            done
            ro_bind "$passwd" "$root/etc/passwd"
            ro_bind "$group" "$root/etc/group"
            mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root$workdir" "$root$data_at" "$root$(dirname "$jar_at")"
            mount -t proc proc "$root/proc"
            mount --rbind /sys "$root/sys"
            mount -o remount,bind,ro "$root/sys"
            mount -t tmpfs -o mode=0755,size=1m image-dev "$root/dev"
            for node in null zero full random urandom tty; do touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"; done
            ln -s /proc/self/fd "$root/dev/fd"
            mount -o remount,ro "$root/dev"
            mount -t tmpfs -o mode=1777,size=256m image-tmp "$root/tmp"
            touch "$root$jar_at"
            ro_bind "$jar" "$root$jar_at"
            mount --bind "$data" "$root$data_at"
            mount -o remount,ro "$root"
            exec chroot "$root" /bin/sh -c 'cd "$1" && uid=$2 gid=$3 && shift 3 && exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all --no-new-privs --pdeathsig keep -- "$@"' \\
              sh "$workdir" "$uid" "$gid" "$@"
            """.formatted(String.join(" ", SYSTEM));

    private final Map<String, String> env;
    private final String workdir;
    private final String home;
    private final String jarAt;
    private final String buildJar;
    private final int uid;
    private final int gid;
    private final List<String> entrypoint;

    private RuntimeStage(Map<String, String> env, String workdir, String home, String jarAt, String buildJar, int uid, int gid,
                         List<String> entrypoint) {
        this.env = env;
        this.workdir = workdir;
        this.home = home;
        this.jarAt = jarAt;
        this.buildJar = buildJar;
        this.uid = uid;
        this.gid = gid;
        this.entrypoint = entrypoint;
    }

    /** Reads the final stage: what it copies from the build stage, where it runs, as whom, with what. */
    static RuntimeStage of(DockerfileModel d) {
        List<Instruction> stage = d.finalStage();
        String workdir = "/";
        for (Instruction w : all(stage, "WORKDIR")) {
            workdir = Path.of(workdir).resolve(w.args()).normalize().toString();
        }
        Instruction copy = all(stage, "COPY").stream().filter(c -> c.args().contains("--from=build")).findFirst()
                .orElseThrow(() -> new AssertionError("the final stage copies nothing from the build stage"));
        List<String> words = DockerfileModel.words(copy.args()).stream().filter(w -> !w.startsWith("--")).toList();
        if (words.size() != 2) {
            throw new AssertionError("line " + copy.line() + ": expected one file copied from the build stage: " + copy.args());
        }
        String user = last(stage, "USER").map(Instruction::args)
                .orElseThrow(() -> new AssertionError("no USER: the image would run as root"));
        String[] ids = user.split(":");
        int uid = Integer.parseInt(ids[0].strip());
        int gid = ids.length > 1 ? Integer.parseInt(ids[1].strip()) : uid;
        Instruction ep = last(stage, "ENTRYPOINT").orElseThrow(() -> new AssertionError("no ENTRYPOINT"));
        List<String> argv;
        try {
            argv = new JsonArray(ep.args()).stream().map(String::valueOf).toList();
        } catch (DecodeException e) {
            throw new AssertionError("ENTRYPOINT is not exec form: " + ep.args());
        }
        List<String> command = new ArrayList<>(argv);
        last(stage, "CMD").ifPresent(cmd -> command.addAll(new JsonArray(cmd.args()).stream().map(String::valueOf).toList()));
        String jarAt = Path.of(workdir).resolve(words.get(1)).normalize().toString();
        // The home directory the stage's useradd gives the user: Docker sets HOME from it.
        String home = all(stage, "RUN").stream()
                .map(r -> Pattern.compile("\\buseradd\\b.*?(?:--home-dir[= ]|\\s-d\\s+)(\\S+)").matcher(r.args()))
                .filter(Matcher::find).map(m -> m.group(1)).findFirst().orElse("/");
        return new RuntimeStage(DockerfileModel.env(stage), workdir, home, jarAt, words.get(0), uid, gid, List.copyOf(command));
    }

    /** The image's own environment (its ENV), without what a deploy adds. */
    Map<String, String> imageEnv() {
        return env;
    }

    int uid() {
        return uid;
    }

    String dataDir() {
        return env.get("DATA_DIR");
    }

    /** Path of the jar inside the build stage's file system. */
    String buildJar() {
        return buildJar;
    }

    List<String> entrypoint() {
        return entrypoint;
    }

    /**
     * The process environment of the container: the base image's (PATH to the JRE, JAVA_HOME, a UTF-8
     * locale; HOME is the user's home, as Docker sets it), then the stage's ENV, then what the deploy
     * adds (the Secret's and the ConfigMap's settings).
     */
    Map<String, String> containerEnv(Map<String, String> deploy) {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Map<String, String> e = new LinkedHashMap<>();
        e.put("PATH", javaHome.resolve("bin") + File.pathSeparator + "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        e.put("JAVA_HOME", javaHome.toString());
        e.put("LANG", "C.UTF-8");
        e.put("HOME", home);
        e.put("HOSTNAME", "relay-image-test");
        e.putAll(env);
        e.putAll(deploy);
        return e;
    }

    /**
     * Starts {@code command} (the ENTRYPOINT when empty) in the container, the jar taken from
     * {@code buildRoot}, DATA_DIR backed by {@code data} (made the user's, as the stage's RUN does),
     * output to {@code log}. The returned process is {@code unshare}; the command runs as its child.
     */
    Process start(Path buildRoot, Path work, Path data, Map<String, String> containerEnv, List<String> command, Path log)
            throws IOException {
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        if (SYSTEM.stream().noneMatch(top -> javaHome.startsWith("/" + top))) {
            throw new AssertionError("the JDK at " + javaHome + " is outside the directories the container sees: " + SYSTEM);
        }
        Path root = work.resolve("root");
        Files.createDirectories(root);
        Files.createDirectories(data);
        Files.setAttribute(data, "unix:uid", uid);
        Files.setAttribute(data, "unix:gid", gid);
        Path passwd = work.resolve("passwd");
        Path group = work.resolve("group");
        Files.writeString(passwd, Files.readString(Path.of("/etc/passwd")) + "relay:x:" + uid + ":" + gid + "::" + home + ":/usr/sbin/nologin\n");
        Files.writeString(group, Files.readString(Path.of("/etc/group")) + "relay:x:" + gid + ":\n");
        Path script = work.resolve("sandbox.sh");
        Files.writeString(script, SANDBOX);

        Path jar = BuildStage.hostPath(buildRoot, buildJar);
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("the build stage made no " + buildJar + " (looked at " + jar + ")");
        }
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
                "/bin/sh", script.toString(),
                root.toString(), jar.toString(), jarAt, data.toString(), dataDir(), workdir,
                passwd.toString(), group.toString(), String.valueOf(uid), String.valueOf(gid)));
        argv.addAll(command.isEmpty() ? entrypoint : command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(containerEnv);
        return ChildProcesses.start(pb);
    }

    static boolean isRoot() {
        try {
            return "0".equals(ChildProcesses.output(Path.of("."), List.of("id", "-u"), java.time.Duration.ofSeconds(10)).strip());
        } catch (IOException | InterruptedException | AssertionError e) {
            return false;
        }
    }
}
