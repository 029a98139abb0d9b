package io.relay.cluster;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Separate hosts on one LAN, made of Linux network namespaces: each host is a namespace with its own
 * address on {@code eth0}, plugged into a bridge that lives in a namespace of its own (the switch), so
 * the machine's own network is touched only by one port into that switch, through which the test
 * (and its client scripts) reach every host, as clients on the internet reach a data centre.
 *
 * <p>A host can be cut off from chosen peers with {@code iptables} DROP rules in its own namespace
 * (silent loss, as a broken link or a firewall: no reset, no ICMP), and healed again. Needs root;
 * {@link #assumeUsable()} skips a test, saying why, where it is not.
 *
 * <p>Names and the subnet are drawn at random per bed, so beds of test runs side by side never meet.
 */
final class Hosts implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final String prefix;
    private final String subnet; // "10.a.b."
    private final Map<String, String> addresses = new LinkedHashMap<>(); // host -> IP
    private final List<String> extraAddresses = new ArrayList<>();
    private int nextIndex = 10;

    private Hosts(String prefix, String subnet) {
        this.prefix = prefix;
        this.subnet = subnet;
    }

    /** A switch and this machine's port into it ({@code .1}); hosts are added with {@link #add}. */
    static Hosts create() throws IOException {
        assumeUsable();
        String prefix = "rb" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        String routes = run(List.of("ip", "-4", "route"));
        String subnet;
        do {
            subnet = "10." + ThreadLocalRandom.current().nextInt(100, 250) + "." + ThreadLocalRandom.current().nextInt(0, 256) + ".";
        } while (routes.contains(subnet + "0/24"));
        Hosts hosts = new Hosts(prefix, subnet);
        Runtime.getRuntime().addShutdownHook(new Thread(hosts::close, prefix + "-netns-cleanup"));
        try {
            hosts.ip("netns", "add", hosts.switchNs());
            hosts.inNs(hosts.switchNs(), "ip", "link", "add", "br0", "type", "bridge");
            hosts.inNs(hosts.switchNs(), "ip", "link", "set", "br0", "up");
            // This machine's port: the test and its client scripts reach the hosts through it.
            String outside = prefix + "-0";
            hosts.ip("link", "add", outside, "type", "veth", "peer", "name", prefix + "-0s");
            hosts.plug(prefix + "-0s");
            hosts.ip("addr", "add", subnet + "1/24", "dev", outside);
            hosts.ip("link", "set", outside, "up");
        } catch (IOException | RuntimeException e) {
            hosts.close();
            throw e;
        }
        return hosts;
    }

    /** Adds a host with the next free address; returns that address. */
    String add(String host) throws IOException {
        String address = subnet + (nextIndex++);
        String ns = ns(host);
        ip("netns", "add", ns);
        String veth = prefix + "-" + addresses.size() + "h";
        ip("link", "add", veth, "type", "veth", "peer", "name", veth + "s");
        plug(veth + "s");
        ip("link", "set", veth, "netns", ns);
        inNs(ns, "ip", "link", "set", veth, "name", "eth0");
        inNs(ns, "ip", "addr", "add", address + "/24", "dev", "eth0");
        inNs(ns, "ip", "link", "set", "eth0", "up");
        inNs(ns, "ip", "link", "set", "lo", "up");
        addresses.put(host, address);
        return address;
    }

    /** Gives the host a second address on its link (for a proxy standing in front of it); returns it. */
    String addAlias(String host) throws IOException {
        String address = subnet + (100 + nextIndex++);
        inNs(ns(host), "ip", "addr", "add", address + "/24", "dev", "eth0");
        extraAddresses.add(address);
        return address;
    }

    String address(String host) {
        String address = addresses.get(host);
        if (address == null) {
            throw new IllegalArgumentException("no host " + host + " in " + addresses.keySet());
        }
        return address;
    }

    /** A command to run on the host: prefix it to the program and its arguments. */
    List<String> on(String host, List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
        out.addAll(command);
        return out;
    }

    /**
     * Drops every packet between {@code host} and each of {@code peers}, both ways, in the host's own
     * firewall: established connections hang (no reset), new ones time out, as across a broken link.
     */
    void cut(String host, List<String> peers) throws IOException {
        for (String peer : peers) {
            String address = address(peer);
            inNs(ns(host), "iptables", "-w", "-I", "INPUT", "-s", address, "-j", "DROP");
            inNs(ns(host), "iptables", "-w", "-I", "OUTPUT", "-d", address, "-j", "DROP");
        }
    }

    /** Removes every rule {@link #cut} put on the host. */
    void heal(String host) throws IOException {
        inNs(ns(host), "iptables", "-w", "-F", "INPUT");
        inNs(ns(host), "iptables", "-w", "-F", "OUTPUT");
    }

    /** Deletes the namespaces (their links go with them) and this machine's port. Processes are the caller's to stop first. */
    @Override
    public synchronized void close() {
        for (String host : List.copyOf(addresses.keySet())) {
            quietly(List.of("ip", "netns", "del", ns(host)));
        }
        addresses.clear();
        quietly(List.of("ip", "link", "del", prefix + "-0"));
        quietly(List.of("ip", "netns", "del", switchNs()));
    }

    private String ns(String host) {
        return prefix + "-" + host;
    }

    private String switchNs() {
        return prefix + "-switch";
    }

    /** Moves a veth end into the switch and onto its bridge. */
    private void plug(String veth) throws IOException {
        ip("link", "set", veth, "netns", switchNs());
        inNs(switchNs(), "ip", "link", "set", veth, "master", "br0");
        inNs(switchNs(), "ip", "link", "set", veth, "up");
    }

    private void ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command);
    }

    private void inNs(String ns, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        run(full);
    }

    private static void quietly(List<String> command) {
        try {
            run(command);
        } catch (IOException | RuntimeException e) {
            // best effort: already gone
        }
    }

    /** Runs a command to its end; its output, or an exception carrying it when it fails. */
    static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("`" + String.join(" ", command) + "` exited with " + process.exitValue() + ": " + output.trim());
        }
        return output;
    }

    // ------------------------------------------------------------------ can this machine do it?

    private static Boolean usable;
    private static String whyNot;

    /**
     * Skips the calling test unless this process may make namespaces and firewall rules in them (root,
     * {@code ip netns}, {@code iptables}, installed with apt-get when missing, as CI runs as root).
     */
    static synchronized void assumeUsable() {
        if (usable == null) {
            whyNot = probe();
            usable = whyNot == null;
        }
        Assumptions.assumeTrue(usable, whyNot);
    }

    private static String probe() {
        try {
            if (!"0".equals(run(List.of("id", "-u")).trim())) {
                return "the multi-host test bed needs root (network namespaces, iptables): run as root, as CI does";
            }
            if (!Files.isExecutable(Path.of("/usr/sbin/iptables")) && !Files.isExecutable(Path.of("/sbin/iptables"))) {
                run(List.of("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=240 install -y --no-install-recommends iptables"
                        + " || (apt-get -o DPkg::Lock::Timeout=240 update && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=240"
                        + " install -y --no-install-recommends iptables)"));
            }
            String ns = "rbprobe" + ThreadLocalRandom.current().nextInt(1000, 9999);
            run(List.of("ip", "netns", "add", ns));
            try {
                run(List.of("ip", "netns", "exec", ns, "iptables", "-w", "-A", "OUTPUT", "-d", "10.255.255.1", "-j", "DROP"));
            } finally {
                quietly(List.of("ip", "netns", "del", ns));
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "this machine cannot build the multi-host test bed (ip netns + iptables): " + e.getMessage();
        }
    }
}
