package io.relay.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The manifests under {@code k8s/}, each YAML document kept twice: as the raw tree (to check what
 * the typed model forgives, such as a number where Kubernetes wants a string) and as the typed
 * fabric8 Kubernetes object. Built from file texts so a test can parse a deliberately broken copy.
 */
final class Manifests {

    static final Path DIR = Path.of("k8s");
    static final String KUSTOMIZATION = "kustomization.yaml";
    /** The Secret template, kept out of the kustomization on purpose. */
    static final String SECRET_TEMPLATE = "secret.example.yaml";
    static final String CONTAINER = "relay";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final YAMLMapper YAML = new YAMLMapper();

    /** One YAML document of one file. */
    record Doc(String file, JsonNode raw, Object typed) {
    }

    private final Map<String, String> texts;
    private final List<Doc> docs;
    private final JsonNode kustomization;

    private Manifests(Map<String, String> texts) {
        this.texts = texts;
        this.docs = new ArrayList<>();
        JsonNode kust = null;
        for (Map.Entry<String, String> file : texts.entrySet()) {
            if (file.getKey().equals(KUSTOMIZATION)) {
                kust = readDocuments(file.getValue()).get(0);
                continue;
            }
            for (JsonNode raw : readDocuments(file.getValue())) {
                docs.add(new Doc(file.getKey(), raw, SERIALIZATION.unmarshal(raw.toString())));
            }
        }
        this.kustomization = kust;
    }

    /** Every {@code *.yaml} file in {@code k8s/}. */
    static Manifests load() {
        try (Stream<Path> files = Files.list(DIR)) {
            Map<String, String> texts = new TreeMap<>();
            for (Path p : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                texts.put(p.getFileName().toString(), Files.readString(p));
            }
            return new Manifests(texts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy with one piece of one file replaced; fails if the piece is not there, so a broken copy is really broken. */
    Manifests withReplaced(String file, String from, String to) {
        String text = texts.get(file);
        if (text == null || !text.contains(from)) {
            throw new IllegalArgumentException(file + " does not contain: " + from);
        }
        Map<String, String> copy = new TreeMap<>(texts);
        copy.put(file, text.replace(from, to));
        return new Manifests(copy);
    }

    private static List<JsonNode> readDocuments(String text) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            return it.readAll().stream().filter(n -> n != null && !n.isNull() && !n.isMissingNode()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Doc> docs() {
        return docs;
    }

    List<String> files() {
        return List.copyOf(texts.keySet());
    }

    JsonNode kustomization() {
        return kustomization;
    }

    <T> List<T> all(Class<T> type) {
        return docs.stream().map(Doc::typed).filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }

    Deployment deployment() {
        List<Deployment> deployments = all(Deployment.class);
        if (deployments.size() != 1) {
            throw new AssertionError("expected exactly one Deployment, found " + deployments.size());
        }
        return deployments.get(0);
    }

    Container container() {
        return deployment().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> CONTAINER.equals(c.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container named " + CONTAINER));
    }

    Map<String, String> podLabels() {
        return deployment().getSpec().getTemplate().getMetadata().getLabels();
    }

    /** The raw tree of the Deployment, for checks the typed model cannot make. */
    JsonNode rawDeployment() {
        return docs.stream().filter(d -> d.typed() instanceof Deployment).map(Doc::raw).findFirst().orElseThrow();
    }

    /**
     * The container's environment as Kubernetes builds it: ConfigMaps from envFrom in order, then
     * env entries on top. A fieldRef shows as {@code fieldRef:<path>}; $(VAR) is left unexpanded.
     */
    Map<String, String> effectiveEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        Container c = container();
        for (EnvFromSource from : Optional.ofNullable(c.getEnvFrom()).orElse(List.of())) {
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = named(ConfigMap.class, from.getConfigMapRef().getName());
                env.putAll(cm.getData());
            }
        }
        for (EnvVar v : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            if (v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null) {
                env.put(v.getName(), "fieldRef:" + v.getValueFrom().getFieldRef().getFieldPath());
            } else {
                env.put(v.getName(), v.getValue());
            }
        }
        return env;
    }

    /** The container port a Service targetPort or probe port means: a number, or a port's name. */
    int containerPort(IntOrString port) {
        if (port == null) {
            throw new AssertionError("no port given");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container().getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()))
                .getContainerPort();
    }

    /** Whether a label selector selects pods with these labels (an empty selector selects everything). */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> match = Optional.ofNullable(selector.getMatchLabels()).orElse(Map.of());
        if (!labels.entrySet().containsAll(match.entrySet())) {
            return false;
        }
        for (LabelSelectorRequirement r : Optional.ofNullable(selector.getMatchExpressions()).orElse(List.of())) {
            String value = labels.get(r.getKey());
            boolean ok = switch (r.getOperator()) {
                case "In" -> value != null && r.getValues().contains(value);
                case "NotIn" -> value == null || !r.getValues().contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new AssertionError("unknown selector operator " + r.getOperator());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
