package io.relay.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.relay.config.RelayConfig;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the Kubernetes manifests must say, each check a static method so a test can run it against
 * the real files and against a deliberately broken copy (and see it fail).
 */
final class ManifestChecks {

    /** The app's HTTP default ({@link RelayConfig#defaults()}), Hazelcast's default member port, and the pinned event-bus port. */
    static final int HTTP_PORT = 3000;
    static final int HAZELCAST_PORT = 5701;
    static final int EVENT_BUS_PORT = 17001;

    static final String HEADLESS_SERVICE = "relay-hazelcast";

    private ManifestChecks() {
    }

    /** Every document is a known Kubernetes kind, with no field the model does not know (a typo the API server would reject or ignore). */
    static void everyDocumentIsTyped(Manifests m) {
        assertThat(m.docs()).isNotEmpty();
        for (Manifests.Doc doc : m.docs()) {
            String where = doc.file() + " (" + doc.raw().path("kind").asText() + ")";
            assertThat(doc.typed()).as(where).isInstanceOf(HasMetadata.class).isNotInstanceOf(GenericKubernetesResource.class);
            HasMetadata r = (HasMetadata) doc.typed();
            assertThat(r.getApiVersion()).as(where + " apiVersion").isNotBlank();
            assertThat(r.getMetadata().getName()).as(where + " name").isNotBlank();
            assertThat(r.getMetadata().getNamespace()).as(where + " must not hard-code a namespace").isNull();
            assertThat(UnknownFields.in(r, r.getKind())).as(where + " fields unknown to the Kubernetes model").isEmpty();
        }
    }

    /** Kubernetes wants strings in ConfigMap data and env values; YAML's 3000 or true would be rejected. */
    static void envAndConfigValuesAreStrings(Manifests m) {
        for (Manifests.Doc doc : m.docs()) {
            if (doc.typed() instanceof ConfigMap) {
                doc.raw().path("data").fields().forEachRemaining(e ->
                        assertThat(e.getValue().isTextual()).as(doc.file() + " data." + e.getKey() + " is a string").isTrue());
            }
        }
        for (JsonNode c : m.rawDeployment().path("spec").path("template").path("spec").path("containers")) {
            for (JsonNode e : c.path("env")) {
                if (e.has("value")) {
                    assertThat(e.get("value").isTextual()).as("env " + e.path("name").asText() + " is a string").isTrue();
                }
            }
        }
    }

    /** The kustomization applies every manifest except the Secret template, and sets the namespace the RoleBinding relies on. */
    static void kustomizationCoversTheManifests(Manifests m) {
        JsonNode k = m.kustomization();
        assertThat(k).as(Manifests.KUSTOMIZATION).isNotNull();
        List<String> resources = new ArrayList<>();
        k.path("resources").forEach(n -> resources.add(n.asText()));
        List<String> expected = m.files().stream()
                .filter(f -> !f.equals(Manifests.KUSTOMIZATION) && !f.equals(Manifests.SECRET_TEMPLATE)).toList();
        assertThat(resources).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(k.path("namespace").asText()).as("kustomization namespace").isNotBlank();
        assertThat(m.files()).contains(Manifests.SECRET_TEMPLATE);
    }

    /** Container ports are the app's ports, and the env the node reads says the same ports. */
    static void portsMatchTheApp(Manifests m) {
        Map<String, Integer> ports = m.container().getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of(
                "http", HTTP_PORT, "hazelcast", HAZELCAST_PORT, "eventbus", EVENT_BUS_PORT));
        assertThat(m.container().getPorts()).allSatisfy(p -> assertThat(p.getProtocol()).isIn(null, "TCP"));
        Map<String, String> env = m.effectiveEnv();
        assertThat(env).containsEntry("PORT", String.valueOf(HTTP_PORT))
                .containsEntry("HAZELCAST_PORT", String.valueOf(HAZELCAST_PORT))
                .containsEntry("EVENT_BUS_PORT", String.valueOf(EVENT_BUS_PORT));
    }

    /** Clustering is on, via Kubernetes discovery of the headless Service, with the pod's own name, IP and namespace. */
    static void clusterEnvironment(Manifests m) {
        Map<String, String> env = m.effectiveEnv();
        assertThat(env).containsEntry("CLUSTER", "true")
                .containsEntry("CLUSTER_DISCOVERY", "kubernetes")
                .containsEntry("NODE_ID", "fieldRef:metadata.name")
                .containsEntry("CLUSTER_HOST", "fieldRef:status.podIP")
                // Peers connect to the address a node advertises: its own pod IP, as on the test bed's hosts.
                .containsEntry("CLUSTER_PUBLIC_HOST", "fieldRef:status.podIP")
                .containsEntry("NODE_ENV", "production");
        String dns = env.get("KUBERNETES_SERVICE_DNS");
        Matcher var = Pattern.compile("^" + HEADLESS_SERVICE + "\\.\\$\\((\\w+)\\)\\.svc\\.cluster\\.local$").matcher(String.valueOf(dns));
        assertThat(var.matches()).as("KUBERNETES_SERVICE_DNS names the headless Service in the pod's namespace: " + dns).isTrue();
        // $(VAR) only expands a variable defined earlier in the env list.
        List<String> order = m.container().getEnv().stream().map(e -> e.getName()).toList();
        assertThat(env).containsEntry(var.group(1), "fieldRef:metadata.namespace");
        assertThat(order.indexOf(var.group(1))).as(var.group(1) + " defined before KUBERNETES_SERVICE_DNS")
                .isGreaterThanOrEqualTo(0).isLessThan(order.indexOf("KUBERNETES_SERVICE_DNS"));
        m.named(Service.class, HEADLESS_SERVICE);
    }

    /** envFrom names a ConfigMap that exists and the Secret the template defines; the template holds placeholders only. */
    static void configAndSecretReferences(Manifests m) {
        List<EnvFromSource> from = m.container().getEnvFrom();
        assertThat(from).anySatisfy(f -> assertThat(f.getConfigMapRef()).isNotNull());
        assertThat(from).anySatisfy(f -> assertThat(f.getSecretRef()).isNotNull());
        for (EnvFromSource f : from) {
            if (f.getConfigMapRef() != null) {
                m.named(ConfigMap.class, f.getConfigMapRef().getName());
            }
            if (f.getSecretRef() != null) {
                Secret secret = m.named(Secret.class, f.getSecretRef().getName());
                assertThat(secret.getStringData()).containsOnlyKeys("JWT_SECRET", "DATABASE_URL");
                assertThat(secret.getStringData().values()).allSatisfy(v -> assertThat(v).contains("REPLACE_ME"));
                // Too short for production, so an unfilled template stops the node instead of signing with a known key.
                assertThat(secret.getStringData().get("JWT_SECRET").getBytes(StandardCharsets.UTF_8).length).as("placeholder JWT_SECRET bytes").isLessThan(32);
            }
        }
    }

    /** Readiness asks /health/ready, liveness and start-up /health/live, all on the HTTP port. */
    static void probes(Manifests m) {
        Container c = m.container();
        assertProbe(m, c.getReadinessProbe(), "/health/ready", "readiness");
        assertProbe(m, c.getLivenessProbe(), "/health/live", "liveness");
        assertProbe(m, c.getStartupProbe(), "/health/live", "startup");
    }

    private static void assertProbe(Manifests m, Probe probe, String path, String what) {
        assertThat(probe).as(what + " probe").isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get).as(what + " probe is an HTTP GET").isNotNull();
        assertThat(get.getPath()).as(what + " probe path").isEqualTo(path);
        assertThat(m.containerPort(get.getPort())).as(what + " probe port").isEqualTo(HTTP_PORT);
    }

    /** The client Service reaches the HTTP port of the relay pods, without session affinity. */
    static void clientService(Manifests m) {
        Service s = m.named(Service.class, "relay");
        assertSelectsPods(m, s);
        assertThat(s.getSpec().getClusterIP()).as("client Service is not headless").isNotEqualTo("None");
        assertThat(s.getSpec().getSessionAffinity()).isIn(null, "None");
        assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(80);
            assertThat(m.containerPort(p.getTargetPort())).isEqualTo(HTTP_PORT);
        });
    }

    /** The headless Service lists every relay pod, ready or not, on the Hazelcast port. */
    static void headlessService(Manifests m) {
        Service s = m.named(Service.class, HEADLESS_SERVICE);
        assertSelectsPods(m, s);
        assertThat(s.getSpec().getClusterIP()).as("headless").isEqualTo("None");
        assertThat(s.getSpec().getPublishNotReadyAddresses()).as("publishNotReadyAddresses").isTrue();
        List<Integer> targets = s.getSpec().getPorts().stream().map(ServicePort::getTargetPort).map(m::containerPort).toList();
        assertThat(targets).containsExactly(HAZELCAST_PORT);
        assertThat(s.getSpec().getPorts().get(0).getPort()).isEqualTo(HAZELCAST_PORT);
    }

    private static void assertSelectsPods(Manifests m, Service s) {
        Map<String, String> selector = s.getSpec().getSelector();
        assertThat(selector).as(s.getMetadata().getName() + " selector").isNotEmpty();
        assertThat(m.podLabels()).as(s.getMetadata().getName() + " selector matches the pod labels").containsAllEntriesOf(selector);
    }

    /** The Deployment's selector picks its own pods; three replicas spread over machines. */
    static void deploymentShape(Manifests m) {
        Deployment d = m.deployment();
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(Manifests.selects(d.getSpec().getSelector(), m.podLabels())).as("selector matches the template").isTrue();
        List<WeightedPodAffinityTerm> spread = d.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution();
        assertThat(spread).anySatisfy(t -> {
            assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(Manifests.selects(t.getPodAffinityTerm().getLabelSelector(), m.podLabels())).isTrue();
        });
    }

    /**
     * A deploy replaces one pod at a time, starting the new one first and waiting until it is ready (joined
     * the cluster) and has stayed so for a while before the next old one goes: a Hazelcast entry has one
     * backup, so two nodes gone at once may take the subscriptions and presence they held with them (the
     * rolling-restart test on the multi-host bed restarts one node at a time, each ready and joined first).
     */
    static void rollingUpdateOneAtATime(Manifests m) {
        Deployment d = m.deployment();
        assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).as("maxUnavailable").isZero();
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).as("maxSurge").isEqualTo(1);
        // Longer than Hazelcast's failure detection (5 s in cluster.xml), so partitions have migrated to the new pod.
        assertThat(d.getSpec().getMinReadySeconds()).as("minReadySeconds").isGreaterThanOrEqualTo(10);
        PodDisruptionBudget pdb = m.named(PodDisruptionBudget.class, "relay");
        assertThat(pdb.getSpec().getMaxUnavailable() == null ? null : pdb.getSpec().getMaxUnavailable().getIntVal())
                .as("voluntary disruptions one pod at a time").isEqualTo(1);
    }

    /** SIGTERM comes after preStop; the drain must then finish before the grace period ends in SIGKILL. */
    static void gracefulShutdownFits(Manifests m) {
        PodSpec pod = m.deployment().getSpec().getTemplate().getSpec();
        long grace = Optional.ofNullable(pod.getTerminationGracePeriodSeconds()).orElse(30L);
        long drain = Long.parseLong(Objects.requireNonNull(m.effectiveEnv().get("DRAIN_SECONDS"), "DRAIN_SECONDS"));
        long preStop = preStopSleepSeconds(m.container().getLifecycle() == null ? null : m.container().getLifecycle().getPreStop());
        assertThat(preStop).as("preStop sleeps").isPositive();
        assertThat(grace).as("terminationGracePeriodSeconds > DRAIN_SECONDS + preStop sleep").isGreaterThan(drain + preStop);
    }

    /**
     * Time a node's start takes besides its warm-up, allowed for by the start-up probe: migrations, joining the
     * cluster (Hazelcast's join waits for members), the warm-up's last rounds past its limit and its clean-up.
     */
    static final long START_BESIDES_WARMUP_SECONDS = 45;

    /**
     * The start-up probe waits for a node whose warm-up runs to WARMUP_SECONDS: a node still warming up does not
     * answer /health/live, and one killed for it would start over, warm up again and be killed again.
     */
    static void startupOutlastsTheWarmup(Manifests m) {
        Probe startup = m.container().getStartupProbe();
        long patience = (long) Optional.ofNullable(startup.getPeriodSeconds()).orElse(10)
                * Optional.ofNullable(startup.getFailureThreshold()).orElse(3)
                + Optional.ofNullable(startup.getInitialDelaySeconds()).orElse(0);
        String set = m.effectiveEnv().get("WARMUP_SECONDS");
        long warmup = set == null ? RelayConfig.defaults().warmup().toSeconds() : Long.parseLong(set);
        assertThat(patience).as("startupProbe's period × failureThreshold (+ initial delay) ≥ WARMUP_SECONDS + %d s",
                START_BESIDES_WARMUP_SECONDS).isGreaterThanOrEqualTo(warmup + START_BESIDES_WARMUP_SECONDS);
    }

    private static long preStopSleepSeconds(LifecycleHandler preStop) {
        if (preStop == null) {
            return 0;
        }
        if (preStop.getSleep() != null) {
            return preStop.getSleep().getSeconds();
        }
        if (preStop.getExec() != null) {
            Matcher s = Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)").matcher(String.join(" ", preStop.getExec().getCommand()));
            return s.find() ? Long.parseLong(s.group(1)) : 0;
        }
        return 0;
    }

    /** Non-root, read-only root, writable emptyDirs for /tmp and DATA_DIR, and resources the scheduler and HPA can use. */
    static void podSecurityAndResources(Manifests m) {
        PodSpec pod = m.deployment().getSpec().getTemplate().getSpec();
        Container c = m.container();
        boolean nonRoot = Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot())
                || (c.getSecurityContext() != null && Boolean.TRUE.equals(c.getSecurityContext().getRunAsNonRoot()));
        assertThat(nonRoot).as("runAsNonRoot").isTrue();
        assertThat(runAsUser(m)).as("runAsUser").isPositive();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();

        String dataDir = m.effectiveEnv().get("DATA_DIR");
        assertThat(dataDir).as("DATA_DIR").isNotBlank();
        for (String path : List.of("/tmp", dataDir)) {
            VolumeMount mount = c.getVolumeMounts().stream().filter(v -> path.equals(v.getMountPath())).findFirst()
                    .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
            assertThat(volume.getEmptyDir()).as(path + " is an emptyDir").isNotNull();
            assertThat(mount.getReadOnly()).as(path + " writable").isIn(null, false);
        }
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
    }

    /** The user the pod runs as (pod or container level). */
    static long runAsUser(Manifests m) {
        Container c = m.container();
        if (c.getSecurityContext() != null && c.getSecurityContext().getRunAsUser() != null) {
            return c.getSecurityContext().getRunAsUser();
        }
        Long user = m.deployment().getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser();
        return user == null ? -1 : user;
    }

    /** 3000 is open; 5701 and 17001 accept only relay pods of this namespace, in every policy that selects them. */
    static void networkPolicyFencesClusterPorts(Manifests m) {
        Map<String, String> pods = m.podLabels();
        List<NetworkPolicy> policies = m.all(NetworkPolicy.class).stream()
                .filter(p -> Manifests.selects(p.getSpec().getPodSelector(), pods)).toList();
        assertThat(policies).as("a NetworkPolicy selects the relay pods").isNotEmpty();
        assertThat(policies).anySatisfy(p -> assertThat(p.getSpec().getPolicyTypes()).contains("Ingress"));
        LabelSelector appSelector = m.deployment().getSpec().getSelector();
        List<NetworkPolicyIngressRule> rules = policies.stream()
                .flatMap(p -> Optional.ofNullable(p.getSpec().getIngress()).orElse(List.of()).stream()).toList();

        assertThat(rules).as("HTTP is reachable").anySatisfy(r -> assertThat(allows(m, r, HTTP_PORT)).isTrue());
        for (int port : List.of(HAZELCAST_PORT, EVENT_BUS_PORT)) {
            List<NetworkPolicyIngressRule> allowing = rules.stream().filter(r -> allows(m, r, port)).toList();
            assertThat(allowing).as("some rule lets the other nodes reach " + port).isNotEmpty();
            for (NetworkPolicyIngressRule r : allowing) {
                assertThat(r.getFrom()).as("port " + port + " is open only to listed peers").isNotEmpty();
                for (NetworkPolicyPeer peer : r.getFrom()) {
                    assertThat(peer.getIpBlock()).as(port + ": no address ranges").isNull();
                    assertThat(peer.getNamespaceSelector()).as(port + ": no other namespaces").isNull();
                    assertThat(peer.getPodSelector()).as(port + ": a pod selector").isNotNull();
                    assertThat(peer.getPodSelector().getMatchLabels()).as(port + ": pods of this app only")
                            .containsAllEntriesOf(appSelector.getMatchLabels());
                    assertThat(Manifests.selects(peer.getPodSelector(), pods)).as(port + ": the relay pods").isTrue();
                }
            }
        }
    }

    /** Whether an ingress rule lets traffic to this container port through (no ports listed = all ports). */
    private static boolean allows(Manifests m, NetworkPolicyIngressRule rule, int port) {
        List<NetworkPolicyPort> ports = rule.getPorts();
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPort p : ports) {
            if (p.getPort() == null) {
                return true;
            }
            int from = m.containerPort(p.getPort());
            int to = p.getEndPort() == null ? from : p.getEndPort();
            if (port >= from && port <= to) {
                return true;
            }
        }
        return false;
    }

    /** The PDB guards the relay pods and still lets one go; the HPA scales this Deployment on CPU. */
    static void disruptionBudgetAndAutoscaler(Manifests m) {
        Deployment d = m.deployment();
        PodDisruptionBudget pdb = m.all(PodDisruptionBudget.class).stream().findFirst().orElseThrow(() -> new AssertionError("no PDB"));
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).as("PDB selector").isNotEmpty();
        assertThat(Manifests.selects(pdb.getSpec().getSelector(), m.podLabels())).as("PDB selects the relay pods").isTrue();

        HorizontalPodAutoscaler hpa = m.all(HorizontalPodAutoscaler.class).stream().findFirst().orElseThrow(() -> new AssertionError("no HPA"));
        var target = hpa.getSpec().getScaleTargetRef();
        assertThat(List.of(target.getApiVersion(), target.getKind(), target.getName()))
                .containsExactly("apps/v1", "Deployment", d.getMetadata().getName());
        int min = hpa.getSpec().getMinReplicas();
        assertThat(min).isGreaterThanOrEqualTo(2).isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
        assertThat(hpa.getSpec().getMetrics()).anySatisfy(metric -> {
            assertThat(metric.getType()).isEqualTo("Resource");
            assertThat(metric.getResource().getName()).isEqualTo("cpu");
        });

        var maxUnavailable = pdb.getSpec().getMaxUnavailable();
        var minAvailable = pdb.getSpec().getMinAvailable();
        assertThat(maxUnavailable == null ^ minAvailable == null).as("exactly one of maxUnavailable/minAvailable").isTrue();
        if (maxUnavailable != null) {
            assertThat(maxUnavailable.getIntVal()).as("maxUnavailable").isEqualTo(1);
        } else {
            assertThat(minAvailable.getIntVal()).as("minAvailable leaves room for one disruption at the smallest size")
                    .isBetween(1, Math.min(min, d.getSpec().getReplicas()) - 1);
        }
    }

    /** The pods' ServiceAccount may get and list what Hazelcast discovery reads, and nothing more. */
    static void rbacForDiscovery(Manifests m) {
        String account = m.deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
        assertThat(account).isNotBlank();
        m.named(ServiceAccount.class, account);
        List<RoleBinding> bindings = m.all(RoleBinding.class).stream()
                .filter(b -> b.getSubjects().stream().anyMatch(s -> "ServiceAccount".equals(s.getKind()) && account.equals(s.getName())))
                .toList();
        assertThat(bindings).as("a RoleBinding for " + account).isNotEmpty();
        List<PolicyRule> rules = new ArrayList<>();
        for (RoleBinding b : bindings) {
            assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
            for (Subject s : b.getSubjects()) {
                assertThat(s.getNamespace()).as("subject namespace comes from the kustomization").isNull();
            }
            rules.addAll(m.named(Role.class, b.getRoleRef().getName()).getRules());
        }
        Map<String, String> needed = Map.of("endpoints", "", "pods", "", "services", "", "endpointslices", "discovery.k8s.io");
        needed.forEach((resource, group) -> {
            for (String verb : List.of("get", "list")) {
                assertThat(rules).as(verb + " " + resource).anySatisfy(r -> {
                    assertThat(r.getApiGroups()).contains(group);
                    assertThat(r.getResources()).contains(resource);
                    assertThat(r.getVerbs()).contains(verb);
                });
            }
        });
        assertThat(rules).allSatisfy(r -> assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch"));
    }

    /** Kinds this deployment is made of, for the report of what was parsed. */
    static Set<String> kinds(Manifests m) {
        return m.docs().stream().map(d -> ((HasMetadata) d.typed()).getKind()).collect(Collectors.toCollection(TreeSet::new));
    }
}
