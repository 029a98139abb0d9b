package io.relay.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration table of the docs against what {@link ConfigLoader} does. Its rows are
 * {@code | env | conf/config.json key | default | meaning |}; a default cell that starts with
 * backticked values names the default(s) (or another row's variable, whose default it shares),
 * any other (none, random) names no fixed value. The loader is asked, not read: which variables and
 * keys it looks up (recorded as it looks), and whether setting one to its documented default gives
 * the configuration an operator who sets nothing gets.
 */
@DisplayName("The configuration table of the docs")
class ConfigurationTableTest {

    /** Where the table lives: the configuration page of the docs once there is one, the README before. */
    static final Path DOC = Files.exists(Path.of("docs/configuration.md")) ? Path.of("docs/configuration.md") : Path.of("README.md");

    /** Read, but documented in the text around the table: the file's location, and the replaced switch in its successor's row. */
    private static final Set<String> NAMED_IN_TEXT = Set.of("RELAY_CONFIG", "ALLOW_LEGACY_PHONES", "security.allowLegacyPhones");

    private static final Pattern LEADING_VALUES = Pattern.compile("^`[^`]+`(\\s*,\\s*`[^`]+`)*");
    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern LOGBACK_VARIABLE = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");
    private static final Map<String, String> BASE_ENV = Map.of("JWT_SECRET", "x".repeat(40), "NODE_ID", "n1");
    private static final byte[] NO_SECRET = new byte[0];

    @Test
    @DisplayName("names every setting the loader reads, only those, each with the default the loader gives it")
    void matchesTheLoader() throws IOException {
        assertThat(problems(Files.readString(DOC))).as(DOC + " against the loader").isEmpty();
    }

    @Test
    @DisplayName("a drifted default, a row for an unknown setting and a missing row are each caught")
    void catchesDrift() throws IOException {
        String doc = Files.readString(DOC);
        String portRow = "| `PORT` | `port` | `3000` |";
        assertThat(doc).contains(portRow);
        assertThat(problems(doc.replace(portRow, "| `PORT` | `port` | `3001` |"))).anySatisfy(p -> assertThat(p).contains("PORT", "3001"));
        assertThat(problems(doc.replace(portRow, "| `PORTS` | `ports` | `3000` |")))
                .anySatisfy(p -> assertThat(p).contains("PORTS"))
                .anySatisfy(p -> assertThat(p).contains("PORT").doesNotContain("PORTS"));
        String corsRow = "| `CORS_ORIGIN` | `corsOrigin` | `http://localhost:5173` |";
        assertThat(doc).contains(corsRow);
        assertThat(problems(doc.replace(corsRow, "| `CORS_ORIGIN` | `corsOrigin` | `*` |")))
                .anySatisfy(p -> assertThat(p).contains("CORS_ORIGIN", "*"))
                .anySatisfy(p -> assertThat(p).contains("corsOrigin", "*"));
    }

    /** What is wrong with the table in {@code doc}, one line each; empty when it is right. */
    static List<String> problems(String doc) throws IOException {
        List<Row> rows = table(doc);
        List<String> problems = new ArrayList<>();
        Map<String, String> logback = logbackVariables();
        Set<String> envRead = envRead();
        Set<String> keysRead = keysRead(rows);
        Set<String> envKnown = new TreeSet<>(envRead);
        envKnown.addAll(logback.keySet());

        Set<String> envInTable = new LinkedHashSet<>();
        Set<String> keysInTable = new LinkedHashSet<>();
        rows.forEach(r -> {
            envInTable.addAll(r.env());
            keysInTable.addAll(r.keys());
        });
        envInTable.stream().filter(e -> !envKnown.contains(e)).forEach(e -> problems.add("row for " + e + ", which nothing reads"));
        keysInTable.stream().filter(k -> !keysRead.contains(k)).forEach(k -> problems.add("row for key " + k + ", which the loader does not read"));
        envKnown.stream().filter(e -> !envInTable.contains(e)).filter(e -> !namedInText(e, doc))
                .forEach(e -> problems.add(e + " is read but has no row"));
        keysRead.stream().filter(k -> !keysInTable.contains(k)).filter(k -> !namedInText(k, doc))
                .forEach(k -> problems.add("key " + k + " is read but has no row"));

        RelayConfig nothingSet = comparable(ConfigLoader.load(new JsonObject(), BASE_ENV));
        for (Row row : rows) {
            List<String> defaults = row.defaults().stream().map(d -> resolve(d, rows)).toList();
            if (defaults.isEmpty()) {
                continue;
            }
            for (String env : row.env()) {
                String documented = defaults.get(0);
                if (logback.containsKey(env)) {
                    if (!logback.get(env).equals(documented)) {
                        problems.add(env + ": documented default " + documented + ", logback.xml's " + logback.get(env));
                    }
                } else if (envRead.contains(env) && !sameAs(nothingSet, () -> ConfigLoader.load(new JsonObject(), with(BASE_ENV, env, documented)))) {
                    problems.add(env + ": documented default " + documented + " is not the loader's");
                }
            }
            for (int i = 0; i < row.keys().size() && i < defaults.size(); i++) {
                String key = row.keys().get(i);
                String documented = defaults.get(i);
                if (keysRead.contains(key) && !sameAs(nothingSet, () -> ConfigLoader.load(file(key, json(documented)), BASE_ENV))) {
                    problems.add("key " + key + ": documented default " + documented + " is not the loader's");
                }
            }
        }
        return problems;
    }

    /** One row: its variables, its file keys, and the values its default cell starts with. */
    record Row(List<String> env, List<String> keys, List<String> defaults) {
    }

    static List<Row> table(String doc) {
        List<Row> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : doc.split("\n")) {
            if (line.startsWith("| env |")) {
                inTable = true;
            } else if (inTable && !line.startsWith("|")) {
                break;
            } else if (inTable && !line.startsWith("| ---")) {
                String[] cells = line.substring(1).split("\\|", -1);
                String defaultCell = cells[2].trim();
                Matcher leading = LEADING_VALUES.matcher(defaultCell);
                rows.add(new Row(backticked(cells[0]), backticked(cells[1]), leading.find() ? backticked(leading.group()) : List.of()));
            }
        }
        assertThat(rows).as("the configuration table (header \"| env |\")").isNotEmpty();
        return rows;
    }

    private static List<String> backticked(String cell) {
        List<String> values = new ArrayList<>();
        Matcher m = BACKTICKED.matcher(cell);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    /** A default given as another row's variable is that row's default. */
    private static String resolve(String value, List<Row> rows) {
        return rows.stream().filter(r -> r.env().contains(value) && !r.defaults().isEmpty()).findFirst()
                .map(r -> resolve(r.defaults().get(0), rows)).orElse(value);
    }

    private static boolean namedInText(String name, String doc) {
        return NAMED_IN_TEXT.contains(name) && doc.contains("`" + name + "`");
    }

    /** Every variable the loader looks up, the file's location included. */
    private static Set<String> envRead() {
        Set<String> read = new TreeSet<>();
        Map<String, String> env = new HashMap<>(BASE_ENV) {
            @Override
            public String get(Object key) {
                read.add((String) key);
                return super.get(key);
            }

            @Override
            public String getOrDefault(Object key, String fallback) {
                read.add((String) key);
                return super.getOrDefault(key, fallback);
            }

            @Override
            public boolean containsKey(Object key) {
                read.add((String) key);
                return super.containsKey(key);
            }
        };
        ConfigLoader.load(new JsonObject(), env);
        ConfigLoader.readConfigFile(env);
        return read;
    }

    /** Every file key the loader looks up, as {@code section.key}, for the sections the table names (others show up as keys). */
    private static Set<String> keysRead(List<Row> rows) {
        Set<String> read = new TreeSet<>();
        RecordingMap top = new RecordingMap("", read);
        rows.stream().flatMap(r -> r.keys().stream()).filter(k -> k.contains("."))
                .map(k -> k.substring(0, k.indexOf('.'))).distinct()
                .forEach(section -> top.put(section, new RecordingMap(section + ".", read)));
        ConfigLoader.load(new JsonObject(top), BASE_ENV);
        read.removeAll(top.keySet());
        return read;
    }

    private static final class RecordingMap extends LinkedHashMap<String, Object> {
        private final String prefix;
        private final Set<String> read;

        RecordingMap(String prefix, Set<String> read) {
            this.prefix = prefix;
            this.read = read;
        }

        @Override
        public Object get(Object key) {
            read.add(prefix + key);
            return super.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            read.add(prefix + key);
            return super.containsKey(key);
        }
    }

    private static Map<String, String> logbackVariables() throws IOException {
        Map<String, String> variables = new HashMap<>();
        Matcher m = LOGBACK_VARIABLE.matcher(Files.readString(Path.of("src/main/resources/logback.xml")));
        while (m.find()) {
            variables.put(m.group(1), m.group(2));
        }
        return variables;
    }

    private static boolean sameAs(RelayConfig expected, java.util.function.Supplier<RelayConfig> load) {
        try {
            return comparable(load.get()).equals(expected);
        } catch (ConfigException | ClassCastException e) {
            return false;
        }
    }

    /** The secret is an array, compared by identity: the one setting left out of the comparison (the table gives it no value). */
    private static RelayConfig comparable(RelayConfig c) {
        return c.toBuilder().jwt(new RelayConfig.Jwt(NO_SECRET, c.jwt().issuer(), c.jwt().audience(), c.jwt().sessionTtl())).build();
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        Map<String, String> more = new HashMap<>(env);
        more.put(name, value);
        return more;
    }

    /** The documented value as it is written in {@code conf/config.json}: a number, a boolean or a string. */
    private static Object json(String value) {
        if (value.matches("-?\\d+")) {
            return Integer.valueOf(value);
        }
        return "true".equals(value) || "false".equals(value) ? Boolean.valueOf(value) : value;
    }

    private static JsonObject file(String key, Object value) {
        int dot = key.indexOf('.');
        return dot < 0 ? new JsonObject().put(key, value)
                : new JsonObject().put(key.substring(0, dot), new JsonObject().put(key.substring(dot + 1), value));
    }
}
