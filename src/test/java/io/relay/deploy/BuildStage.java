package io.relay.deploy;

import io.relay.ChildProcesses;
import io.relay.deploy.DockerfileModel.Instruction;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a Dockerfile's build stage the way {@code docker build} would, without a Docker engine: from a
 * build context made of the repository's tracked files less what {@code .dockerignore} leaves out,
 * instruction by instruction (WORKDIR, COPY from the context, ENV, RUN through {@code /bin/sh -c} as
 * root), each path of the stage's file system under a directory of its own. The stage's base image is
 * a JDK 17 with no Node; the JDK running the tests stands in for it, and Node and npm are taken off
 * the PATH so that a build needing them fails here as it would in the image.
 *
 * <p>An instruction this class does not know fails the build rather than being skipped, so the copy
 * never silently differs from the Dockerfile.
 */
final class BuildStage {

    /** What the base image of the build stage does not have. */
    static final Set<String> NOT_IN_BASE_IMAGE = Set.of("node", "nodejs", "npm", "npx", "corepack", "yarn", "pnpm");
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);

    private final Path context;
    private final Path root;
    private final Path log;
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workdir = "/";

    private BuildStage(Path context, Path root, Path log, Map<String, String> baseEnv) {
        this.context = context;
        this.root = root;
        this.log = log;
        this.env.putAll(baseEnv);
    }

    /**
     * The build context: the files git tracks in {@code repo} (HEAD, plus uncommitted edits of tracked
     * files so that a developer tests what they are about to commit; CI's clone has none), written to
     * {@code into}, less every path {@code .dockerignore} excludes. Untracked files are not in it, as
     * they would not be in a fresh clone.
     */
    static Path context(Path repo, Path into) throws IOException, InterruptedException {
        // A stash commit needs an author; CI's clone may have none configured.
        String stash = ChildProcesses.output(repo, List.of("git", "-c", "user.name=image-test", "-c", "user.email=image-test@localhost",
                "stash", "create"), Duration.ofMinutes(1)).strip();
        String tree = stash.isEmpty() ? "HEAD" : stash;
        Files.createDirectories(into);
        Path tar = into.resolveSibling(into.getFileName() + ".tar");
        ChildProcesses.output(repo, List.of("git", "archive", "--format=tar", "-o", tar.toAbsolutePath().toString(), tree), Duration.ofMinutes(2));
        ChildProcesses.output(into, List.of("tar", "-xf", tar.toAbsolutePath().toString()), Duration.ofMinutes(2));
        Files.delete(tar);

        Path ignoreFile = into.resolve(".dockerignore");
        DockerIgnore ignore = DockerIgnore.parse(Files.exists(ignoreFile) ? Files.readString(ignoreFile) : "");
        List<Path> excluded;
        try (Stream<Path> all = Files.walk(into)) {
            excluded = all.filter(p -> !p.equals(into))
                    .filter(p -> ignore.excludes(into.relativize(p).toString().replace(File.separatorChar, '/')))
                    .toList();
        }
        for (Path p : excluded) {
            ChildProcesses.deleteRecursively(p);
        }
        return into;
    }

    /**
     * Runs {@code stage} (its FROM first) with {@code context} as the build context; the stage's file
     * system is rooted at {@code root}. Answers the root once every instruction has succeeded.
     */
    static Path run(List<Instruction> stage, Path context, Path root, Path log) throws IOException, InterruptedException {
        BuildStage build = new BuildStage(context, root, log, baseEnvironment(root.resolveSibling("build-bin")));
        Files.createDirectories(root);
        Files.writeString(log, "");
        for (Instruction i : stage.subList(1, stage.size())) {
            build.apply(i);
        }
        return root;
    }

    /** The host path of a path inside the stage. */
    static Path hostPath(Path root, String containerPath) {
        Path p = Path.of("/").resolve(containerPath).normalize();
        return root.resolve(Path.of("/").relativize(p).toString());
    }

    private void apply(Instruction i) throws IOException, InterruptedException {
        switch (i.keyword()) {
            case "WORKDIR" -> {
                workdir = Path.of(workdir).resolve(i.args()).normalize().toString();
                Files.createDirectories(hostPath(root, workdir));
            }
            case "ENV" -> env.putAll(DockerfileModel.env(List.of(i)));
            case "COPY" -> copy(i);
            case "RUN" -> run(i);
            case "LABEL" -> {
                // metadata only
            }
            default -> throw new AssertionError("line " + i.line() + ": the build-stage copy does not know " + i.keyword()
                    + "; teach " + BuildStage.class.getSimpleName() + " what it does");
        }
    }

    private void copy(Instruction i) throws IOException {
        List<String> words = DockerfileModel.words(i.args());
        if (words.stream().anyMatch(w -> w.startsWith("--"))) {
            throw new AssertionError("line " + i.line() + ": COPY flags are not supported in the build stage: " + i.args());
        }
        if (words.size() < 2) {
            throw new AssertionError("line " + i.line() + ": COPY needs a source and a destination: " + i.args());
        }
        List<String> sources = words.subList(0, words.size() - 1);
        String destination = words.get(words.size() - 1);
        Path dest = hostPath(root, Path.of(workdir).resolve(destination).toString());
        boolean intoDirectory = destination.endsWith("/") || sources.size() > 1;
        for (String source : sources) {
            if (source.contains("*") || source.contains("?") || source.contains("[")) {
                throw new AssertionError("line " + i.line() + ": wildcards in COPY are not supported here: " + source);
            }
            Path from = context.resolve(source).normalize();
            if (!from.startsWith(context)) {
                throw new AssertionError("line " + i.line() + ": COPY source outside the build context: " + source);
            }
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                throw new AssertionError("line " + i.line() + ": COPY " + source + ": not in the build context"
                        + " (not tracked by git, or left out by .dockerignore)");
            }
            if (Files.isDirectory(from)) {
                copyTree(from, dest); // a directory's contents, not the directory itself
            } else {
                Path target = intoDirectory ? dest.resolve(from.getFileName().toString()) : dest;
                Files.createDirectories(target.getParent());
                Files.copy(from, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            }
        }
        append("COPY " + i.args() + "\n");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    private void run(Instruction i) throws IOException, InterruptedException {
        List<String> command;
        if (i.args().startsWith("[")) {
            try {
                command = new JsonArray(i.args()).stream().map(String::valueOf).toList();
            } catch (DecodeException e) {
                throw new AssertionError("line " + i.line() + ": RUN is neither a JSON array nor shell form: " + i.args());
            }
        } else {
            command = List.of("/bin/sh", "-c", i.args());
        }
        append("RUN " + i.args() + "\n");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(hostPath(root, workdir).toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process = ChildProcesses.start(pb);
        boolean exited = process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            ChildProcesses.stop(process);
        }
        if (!exited || process.exitValue() != 0) {
            throw new AssertionError("line " + i.line() + ": RUN " + i.args()
                    + (exited ? " exited with " + process.exitValue() : " did not finish in " + RUN_TIMEOUT)
                    + "\n" + ChildProcesses.tail(log, 60));
        }
    }

    private void append(String text) throws IOException {
        Files.writeString(log, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * The environment of the build stage's base image, on this machine: the JDK running the tests,
     * root's home (so the Maven wrapper and the local repository are the ones the outer build warmed;
     * the image build would download them), a UTF-8 locale, and a PATH without Node or npm.
     */
    static Map<String, String> baseEnvironment(Path shadowDir) throws IOException {
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<String> path = new ArrayList<>();
        path.add(javaHome.resolve("bin").toString());
        String hostPath = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        int shadows = 0;
        for (String dir : hostPath.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path d = Path.of(dir);
            if (NOT_IN_BASE_IMAGE.stream().anyMatch(name -> Files.exists(d.resolve(name)))) {
                path.add(withoutNode(d, shadowDir.resolve(String.valueOf(shadows++))).toString());
            } else {
                path.add(dir);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", String.join(File.pathSeparator, path));
        env.put("JAVA_HOME", javaHome.toString());
        env.put("HOME", System.getProperty("user.home"));
        env.put("LANG", "C.UTF-8");
        return env;
    }

    /** A directory of links to everything in {@code dir} except Node and its package managers. */
    private static Path withoutNode(Path dir, Path shadow) throws IOException {
        ChildProcesses.deleteRecursively(shadow);
        Files.createDirectories(shadow);
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!NOT_IN_BASE_IMAGE.contains(name)) {
                    Files.createSymbolicLink(shadow.resolve(name), p);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return shadow;
    }
}
