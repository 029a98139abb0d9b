package io.relay.store;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A PostgreSQL location in the seed's {@code DATABASE_URL} form,
 * {@code postgresql://user:pass@host:port/db?schema=public} (also {@code postgres://}).
 *
 * <p>User and password are percent-decoded, as Prisma expects them encoded. The port defaults to
 * 5432, the schema to {@code public}. {@code sslmode} takes libpq's values; other query parameters
 * (Prisma's {@code connection_limit} and the like) are ignored. {@link #toString()} hides the password.
 *
 * @param password empty when the URL carries none
 * @param sslMode  libpq's {@code sslmode}, {@code disable} when absent (the Vert.x default)
 */
public record DatabaseUrl(String user, String password, String host, int port, String database, String schema, String sslMode) {

    public static final int DEFAULT_PORT = 5432;
    public static final String DEFAULT_SCHEMA = "public";
    /** Statements up to this many characters stay prepared per connection. */
    static final int STATEMENT_CACHE_SQL_LIMIT = 8_192;

    // Schema names go into search_path and Flyway; a plain identifier keeps quoting trivial and safe.
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");
    private static final java.util.Set<String> SSL_MODES =
            java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public DatabaseUrl {
        require(user != null && !user.isEmpty(), "a user is required");
        require(host != null && !host.isEmpty(), "a host is required");
        require(port > 0 && port < 65536, "the port must be between 1 and 65535");
        require(database != null && !database.isEmpty(), "a database name is required");
        require(schema != null && IDENTIFIER.matcher(schema).matches(), "the schema must be a plain SQL identifier");
        require(sslMode != null && SSL_MODES.contains(sslMode), "sslmode must be one of " + SSL_MODES);
        password = password == null ? "" : password;
    }

    /** Parses a seed-style URL; throws {@link IllegalArgumentException} naming DATABASE_URL (never echoing the password). */
    public static DatabaseUrl parse(String url) {
        require(url != null && !url.isBlank(), "it is empty");
        String trimmed = url.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        require(lower.startsWith("postgresql://") || lower.startsWith("postgres://"),
                "it must start with postgresql:// or postgres://");
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw bad("it is not a valid URL (percent-encode special characters in the user and password)");
        }
        String authority = uri.getRawAuthority();
        require(authority != null, "it has no host");
        int at = authority.lastIndexOf('@');
        String userInfo = at >= 0 ? authority.substring(0, at) : "";
        String hostPort = at >= 0 ? authority.substring(at + 1) : authority;

        String user;
        String password = "";
        int colon = userInfo.indexOf(':');
        if (colon >= 0) {
            user = percentDecode(userInfo.substring(0, colon));
            password = percentDecode(userInfo.substring(colon + 1));
        } else {
            user = percentDecode(userInfo);
        }
        require(!user.isEmpty(), "it has no user (postgresql://user:password@host:port/db)");

        String host;
        String portText = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            require(close > 0, "its IPv6 host is not closed with ]");
            host = hostPort.substring(1, close);
            String rest = hostPort.substring(close + 1);
            if (!rest.isEmpty()) {
                require(rest.startsWith(":"), "its host is malformed");
                portText = rest.substring(1);
            }
        } else {
            require(hostPort.indexOf(',') < 0, "several hosts are not supported");
            int portColon = hostPort.lastIndexOf(':');
            host = portColon >= 0 ? hostPort.substring(0, portColon) : hostPort;
            portText = portColon >= 0 ? hostPort.substring(portColon + 1) : null;
        }
        require(!host.isEmpty(), "it has no host");
        int port = DEFAULT_PORT;
        if (portText != null && !portText.isEmpty()) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw bad("its port is not a number");
            }
        }

        String path = uri.getRawPath();
        require(path != null && path.length() > 1, "it has no database name (postgresql://user:password@host:port/db)");
        String database = percentDecode(path.substring(1));
        require(database.indexOf('/') < 0, "its database name contains '/'");

        String schema = DEFAULT_SCHEMA;
        String sslMode = "disable";
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = percentDecode(eq >= 0 ? pair.substring(0, eq) : pair);
                String value = eq >= 0 ? percentDecode(pair.substring(eq + 1)) : "";
                switch (key) {
                    case "schema", "currentSchema" -> schema = value;
                    case "sslmode" -> sslMode = value.toLowerCase(Locale.ROOT);
                    default -> { /* Prisma/driver options we do not use */ }
                }
            }
        }
        return new DatabaseUrl(user, password, host, port, database, schema, sslMode);
    }

    /** Options for the Vert.x pool; the schema becomes the session's {@code search_path}. */
    public PgConnectOptions pgConnectOptions() {
        PgConnectOptions options = new PgConnectOptions()
                .setHost(host)
                .setPort(port)
                .setDatabase(database)
                .setUser(user)
                .setSslMode(SslMode.of(sslMode))
                // Parsing and planning the relay's few statements again on every execution cost PostgreSQL
                // more CPU than running them: keep them prepared per connection. Every statement of
                // StoreSql is within the limit set here (a test checks the longest), which is above the
                // client's default of 2,048 characters for the flush statement of two kinds.
                .setCachePreparedStatements(true);
        options.setPreparedStatementCacheSqlLimit(STATEMENT_CACHE_SQL_LIMIT);
        if (!password.isEmpty()) {
            options.setPassword(password);
        }
        options.addProperty("search_path", "\"" + schema + "\"");
        switch (sslMode) {
            // libpq encrypts without checking the certificate in these modes; do the same.
            case "allow", "prefer", "require" -> options.setSslOptions(new ClientSSLOptions().setTrustAll(true));
            case "verify-ca" -> options.setSslOptions(new ClientSSLOptions().setHostnameVerificationAlgorithm(""));
            case "verify-full" -> options.setSslOptions(new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS"));
            default -> { }
        }
        return options;
    }

    /** JDBC URL for Flyway; user and password are passed separately, never in the URL. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + urlEncode(database)
                + "?currentSchema=" + schema + "&sslmode=" + sslMode;
    }

    /** The same location with another database (used to create test databases on one server). */
    public DatabaseUrl withDatabase(String otherDatabase) {
        return new DatabaseUrl(user, password, host, port, otherDatabase, schema, sslMode);
    }

    /** The URL in the seed's form, password included: for handing to another component, not for logs. */
    public String toUrlString() {
        String userInfo = urlEncode(user) + (password.isEmpty() ? "" : ":" + urlEncode(password));
        return "postgresql://" + userInfo + "@" + hostForUrl() + ":" + port + "/" + urlEncode(database)
                + "?schema=" + schema + (sslMode.equals("disable") ? "" : "&sslmode=" + sslMode);
    }

    @Override
    public String toString() {
        return "postgresql://" + user + (password.isEmpty() ? "" : ":***") + "@" + hostForUrl() + ":" + port + "/"
                + database + "?schema=" + schema + "&sslmode=" + sslMode;
    }

    private String hostForUrl() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static String urlEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    // Unlike URLDecoder, leaves '+' alone: in the user-info part it is a literal plus.
    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                require(i + 2 < s.length(), "it has a truncated %-escape");
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                require(hi >= 0 && lo >= 0, "it has an invalid %-escape");
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                int codePoint = s.codePointAt(i);
                byte[] bytes = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i += Character.charCount(codePoint) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw bad(problem);
        }
    }

    private static IllegalArgumentException bad(String problem) {
        return new IllegalArgumentException("DATABASE_URL is malformed: " + problem);
    }
}
