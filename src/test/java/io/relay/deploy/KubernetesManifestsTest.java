package io.relay.deploy;

import io.relay.config.RelayConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The Kubernetes manifests (checks in {@link ManifestChecks}), each check also shown to fail on a
 * broken copy.
 *
 * <p>Keep Kubernetes model types out of this class's signatures, lambdas included: JUnit reflects
 * on every test class in the execution that runs without the model (see pom.xml).
 */
@Tag("deploy")
@DisplayName("Kubernetes manifests")
class KubernetesManifestsTest {

    private static Manifests manifests;

    @BeforeAll
    static void load() {
        manifests = Manifests.load();
    }

    @Test
    @DisplayName("every document parses to a typed Kubernetes object with only known fields and no hard-coded namespace")
    void typed() {
        ManifestChecks.everyDocumentIsTyped(manifests);
        assertThat(ManifestChecks.kinds(manifests)).containsExactlyInAnyOrder("ConfigMap", "Deployment",
                "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Role", "RoleBinding", "Secret",
                "Service", "ServiceAccount");
    }

    @Test
    @DisplayName("ConfigMap data and env values are strings, as the API server requires")
    void strings() {
        ManifestChecks.envAndConfigValuesAreStrings(manifests);
    }

    @Test
    @DisplayName("the kustomization applies every manifest but the Secret template and sets the namespace")
    void kustomization() {
        ManifestChecks.kustomizationCoversTheManifests(manifests);
    }

    @Test
    @DisplayName("the HTTP port in the manifests is the app's default")
    void httpPortIsTheAppDefault() {
        assertThat(RelayConfig.defaults().port()).isEqualTo(ManifestChecks.HTTP_PORT);
    }

    @Test
    @DisplayName("container ports are http 3000, hazelcast 5701, eventbus 17001, and PORT/HAZELCAST_PORT/EVENT_BUS_PORT agree")
    void ports() {
        ManifestChecks.portsMatchTheApp(manifests);
    }

    @Test
    @DisplayName("clustering is on with Kubernetes discovery of the headless Service, the pod name as node id and the pod IP as cluster host and public host")
    void cluster() {
        ManifestChecks.clusterEnvironment(manifests);
    }

    @Test
    @DisplayName("the pods read the ConfigMap and the Secret, whose template holds only placeholders too short for production")
    void configAndSecret() {
        ManifestChecks.configAndSecretReferences(manifests);
    }

    @Test
    @DisplayName("readiness probes /health/ready, liveness and start-up /health/live, on the http port")
    void probes() {
        ManifestChecks.probes(manifests);
    }

    @Test
    @DisplayName("the client Service sends port 80 to the pods' http port, without session affinity")
    void clientService() {
        ManifestChecks.clientService(manifests);
    }

    @Test
    @DisplayName("the headless Service is clusterIP None, lists unready pods and carries 5701")
    void headlessService() {
        ManifestChecks.headlessService(manifests);
    }

    @Test
    @DisplayName("three replicas, selected by their own labels, preferably on different machines")
    void deployment() {
        ManifestChecks.deploymentShape(manifests);
    }

    @Test
    @DisplayName("a deploy replaces one pod at a time: a new one first, ready and settled for 10 s before the next old one goes")
    void rollingUpdate() {
        ManifestChecks.rollingUpdateOneAtATime(manifests);
    }

    @Test
    @DisplayName("the start-up probe waits through WARMUP_SECONDS and the rest of a node's start")
    void startupOutlastsTheWarmup() {
        ManifestChecks.startupOutlastsTheWarmup(manifests);
    }

    @Test
    @DisplayName("terminationGracePeriodSeconds exceeds DRAIN_SECONDS plus the preStop sleep")
    void gracefulShutdown() {
        ManifestChecks.gracefulShutdownFits(manifests);
    }

    @Test
    @DisplayName("the pod runs as non-root on a read-only root with emptyDirs for /tmp and DATA_DIR, and declares resources")
    void podSecurity() {
        ManifestChecks.podSecurityAndResources(manifests);
    }

    @Test
    @DisplayName("the NetworkPolicy opens 3000 and lets only relay pods reach 5701 and 17001")
    void networkPolicy() {
        ManifestChecks.networkPolicyFencesClusterPorts(manifests);
    }

    @Test
    @DisplayName("the PodDisruptionBudget and the HorizontalPodAutoscaler target the relay Deployment")
    void pdbAndHpa() {
        ManifestChecks.disruptionBudgetAndAutoscaler(manifests);
    }

    @Test
    @DisplayName("RBAC lets the pods get and list endpoints, pods, services and endpointslices, read-only")
    void rbac() {
        ManifestChecks.rbacForDiscovery(manifests);
    }

    /** Each mistake is one the checks exist to catch; if a check let it through, the check would be worthless. */
    static Stream<Arguments> brokenCopies() {
        return Stream.of(
                broken("a container port differs from the app's", "deployment.yaml",
                        "containerPort: 5701", "containerPort: 5702", ManifestChecks::portsMatchTheApp),
                broken("EVENT_BUS_PORT disagrees with the container port", "configmap.yaml",
                        "EVENT_BUS_PORT: \"17001\"", "EVENT_BUS_PORT: \"17002\"", ManifestChecks::portsMatchTheApp),
                broken("a port number is not a string", "configmap.yaml",
                        "PORT: \"3000\"", "PORT: 3000", ManifestChecks::envAndConfigValuesAreStrings),
                broken("a field name has a typo", "deployment.yaml",
                        "terminationGracePeriodSeconds: 40", "terminationGracePeriodSecond: 40", ManifestChecks::everyDocumentIsTyped),
                broken("a manifest hard-codes a namespace", "service.yaml",
                        "  name: relay\n", "  name: relay\n  namespace: default\n", ManifestChecks::everyDocumentIsTyped),
                broken("the discovery DNS name hard-codes a namespace", "deployment.yaml",
                        "relay-hazelcast.$(POD_NAMESPACE).svc", "relay-hazelcast.default.svc", ManifestChecks::clusterEnvironment),
                broken("peers are told to reach a node at another address than its pod IP", "deployment.yaml",
                        "            - name: CLUSTER_PUBLIC_HOST\n              valueFrom:\n                fieldRef:\n                  fieldPath: status.podIP",
                        "            - name: CLUSTER_PUBLIC_HOST\n              valueFrom:\n                fieldRef:\n                  fieldPath: status.hostIP",
                        ManifestChecks::clusterEnvironment),
                broken("a deploy may take two nodes down at once", "deployment.yaml",
                        "maxUnavailable: 0", "maxUnavailable: 1", ManifestChecks::rollingUpdateOneAtATime),
                broken("a deploy moves on before the new pod settled", "deployment.yaml",
                        "minReadySeconds: 10", "minReadySeconds: 0", ManifestChecks::rollingUpdateOneAtATime),
                broken("readiness probes the wrong path", "deployment.yaml",
                        "path: /health/ready", "path: /healthz", ManifestChecks::probes),
                broken("liveness probes the wrong port", "deployment.yaml",
                        "path: /health/live\n              port: http\n            periodSeconds: 10",
                        "path: /health/live\n              port: 8080\n            periodSeconds: 10", ManifestChecks::probes),
                broken("the warm-up outlasts the start-up probe", "configmap.yaml",
                        "WARMUP_SECONDS: \"120\"", "WARMUP_SECONDS: \"170\"", ManifestChecks::startupOutlastsTheWarmup),
                broken("the grace period is shorter than drain plus preStop", "deployment.yaml",
                        "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 25", ManifestChecks::gracefulShutdownFits),
                broken("the client Service selects other pods", "service.yaml",
                        "  selector:\n    app.kubernetes.io/name: relay", "  selector:\n    app.kubernetes.io/name: relay-web",
                        ManifestChecks::clientService),
                broken("the headless Service hides unready pods", "service-hazelcast.yaml",
                        "publishNotReadyAddresses: true", "publishNotReadyAddresses: false", ManifestChecks::headlessService),
                broken("the cluster ports are open to anyone", "networkpolicy.yaml",
                        "    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: relay\n      ports:",
                        "    - ports:", ManifestChecks::networkPolicyFencesClusterPorts),
                broken("the cluster ports are open to every namespace", "networkpolicy.yaml",
                        "        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: relay\n      ports:",
                        "        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: relay\n          namespaceSelector: {}\n      ports:",
                        ManifestChecks::networkPolicyFencesClusterPorts),
                broken("the event-bus port is not allowed between nodes", "networkpolicy.yaml",
                        "        - port: 17001\n          protocol: TCP\n", "", ManifestChecks::networkPolicyFencesClusterPorts),
                broken("the HPA scales another Deployment", "hpa.yaml",
                        "    name: relay", "    name: relay-old", ManifestChecks::disruptionBudgetAndAutoscaler),
                broken("the PDB guards other pods", "pdb.yaml",
                        "app.kubernetes.io/name: relay", "app.kubernetes.io/name: other", ManifestChecks::disruptionBudgetAndAutoscaler),
                broken("RBAC forgets endpointslices", "rbac.yaml",
                        "resources: [\"endpointslices\"]", "resources: [\"ingresses\"]", ManifestChecks::rbacForDiscovery),
                broken("RBAC grants writes", "rbac.yaml",
                        "verbs: [\"get\", \"list\"]\n  - apiGroups: [\"discovery.k8s.io\"]",
                        "verbs: [\"get\", \"list\", \"delete\"]\n  - apiGroups: [\"discovery.k8s.io\"]", ManifestChecks::rbacForDiscovery),
                broken("the root filesystem is writable", "deployment.yaml",
                        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", ManifestChecks::podSecurityAndResources),
                broken("the Secret template carries a usable key", "secret.example.yaml",
                        "JWT_SECRET: REPLACE_ME", "JWT_SECRET: REPLACE_ME-with-a-long-enough-secret-of-40-bytes",
                        ManifestChecks::configAndSecretReferences),
                broken("the kustomization forgets a manifest", "kustomization.yaml",
                        "  - pdb.yaml\n", "", ManifestChecks::kustomizationCoversTheManifests));
    }

    private static Arguments broken(String what, String file, String from, String to, Consumer<Manifests> check) {
        return arguments(what, file, from, to, check);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCopies")
    @DisplayName("a broken copy of the manifests fails its check when")
    void brokenCopyFails(String what, String file, String from, String to, Consumer<Manifests> check) {
        Manifests copy = manifests.withReplaced(file, from, to);
        assertThatThrownBy(() -> check.accept(copy)).as(what).isInstanceOf(AssertionError.class);
    }
}
