package io.relay.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slowloris against a real node, with raw TCP sockets as the attacker uses them: connections that
 * send nothing, or trickle header lines, are closed; a kept-alive connection is closed once idle;
 * an IP past its TCP allowance is closed at accept and gets its slots back as its connections close,
 * WebSockets included. What must not be cut: a long-poll the relay holds past those timeouts, and an
 * idle WebSocket whose client answers pings.
 */
@DisplayName("Slowloris: the HTTP port's front door")
class SlowlorisE2ETest {
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
    private static final int TCP_CAP = 6;
    /** Longer than both timeouts: a held long-poll and an idle WebSocket outlive them. */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(7);
    /** Far above the timeouts: a connection the node should close is closed long before, on a loaded machine too. */
    private static final int CLOSED_WITHIN_MS = 30_000;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder()
            .security(s -> s.maxTcpConnectionsPerIp(TCP_CAP).httpHeaderTimeout(HEADER_TIMEOUT).httpIdleTimeout(IDLE_TIMEOUT))
            .socket(s -> s.pingInterval(PING_INTERVAL).pingTimeout(Duration.ofSeconds(20)))
            .build());

    @Test
    @DisplayName("a connection that sends nothing is closed after the header timeout")
    void silentConnectionIsClosed() throws Exception {
        try (Socket socket = connect()) {
            assertThat(readUntilClosed(socket, CLOSED_WITHIN_MS)).as("what the node sent before closing").isEmpty();
        }
    }

    @Test
    @DisplayName("a connection that trickles a header line every second, never finishing its request, is closed though bytes keep coming")
    void tricklingHeadersAreClosed() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /health/live HTTP/1.1\r\nHost: relay\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(1000);
            long giveUpAt = System.currentTimeMillis() + CLOSED_WITHIN_MS;
            boolean closed = false;
            for (int line = 0; !closed && System.currentTimeMillis() < giveUpAt; line++) {
                try {
                    out.write(("X-Slow-" + line + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    closed = socket.getInputStream().read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // another line, then
                } catch (IOException reset) {
                    closed = true; // writing to a connection the node closed
                }
            }
            assertThat(closed).as("closed within %d ms although a header line came every second", CLOSED_WITHIN_MS).isTrue();
        }
    }

    @Test
    @DisplayName("a kept-alive connection is served, then closed once idle; one that trickles its next request is closed too")
    void keptAliveConnectionsAreClosedWhenIdle() throws Exception {
        try (Socket idle = connect(); Socket trickling = connect()) {
            assertThat(request(idle, "/health/live")).startsWith("HTTP/1.1 200");
            assertThat(request(trickling, "/health/live")).startsWith("HTTP/1.1 200");
            trickling.getOutputStream().write("GET /health/live HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClosed(idle, CLOSED_WITHIN_MS)).isEmpty();
            assertThat(readUntilClosed(trickling, CLOSED_WITHIN_MS)).isEmpty();
        }
    }

    @Test
    @DisplayName("past the TCP connections allowed per IP, a connection is closed at accept, unanswered; slots come back as connections close, WebSockets included")
    void perIpCap() throws Exception {
        // WebSockets hold their slots without any deadline of the front door (the heartbeat allows 27 s here).
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < TCP_CAP; i++) {
                Socket socket = connect();
                held.add(socket);
                upgrade(socket);
            }
            try (Socket over = connect()) {
                over.getOutputStream().write(requestBytes("/health/live"));
                assertThat(readUntilClosed(over, CLOSED_WITHIN_MS)).as("the connection past the cap gets no answer").isEmpty();
            }
            held.remove(0).close();
            held.add(connectWhenAdmitted());
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        // Twice the cap of WebSockets, one after the other: each slot must come back when its socket closes.
        for (int i = 0; i < 2 * TCP_CAP; i++) {
            try (Socket ws = connectWhenAdmitted()) {
                upgrade(ws);
            }
        }
        List<Socket> afterwards = new ArrayList<>();
        try {
            for (int i = 0; i < TCP_CAP; i++) {
                afterwards.add(connectWhenAdmitted());
            }
        } finally {
            for (Socket socket : afterwards) {
                socket.close();
            }
        }
    }

    @Test
    @DisplayName("a polling GET the relay holds longer than the idle and header timeouts is answered, not cut")
    void heldLongPollIsNotCut() throws Exception {
        try (Socket socket = connect()) {
            String open = request(socket, "/socket.io/?EIO=4&transport=polling");
            Matcher sid = Pattern.compile("\"sid\":\"([^\"]+)\"").matcher(open);
            assertThat(sid.find()).as(open).isTrue();
            String path = "/socket.io/?EIO=4&transport=polling&sid=" + sid.group(1);
            // The relay holds this GET until its first ping, PING_INTERVAL later: longer than both timeouts.
            assertThat(request(socket, path)).as("the held GET's answer").startsWith("HTTP/1.1 200").endsWith("\r\n\r\n2");
        }
    }

    @Test
    @DisplayName("an idle WebSocket whose client answers pings outlives the header and idle timeouts, and stays usable")
    void idleButPingingWebSocketStays() throws Exception {
        try (RawWebSocket ws = upgrade(connect())) {
            assertThat(ws.nextText()).startsWith("0{\"sid\"");
            ws.sendText("40");
            assertThat(ws.nextText()).startsWith("40{\"sid\"");
            for (int ping = 0; ping < 2; ping++) { // two ping intervals: well past both timeouts
                assertThat(ws.next().text()).as("ping %d", ping + 1).isEqualTo("2");
                ws.sendText("3");
            }
            ws.sendText("42[\"mobile:register\",{\"deviceId\":\"slowloris-ws\",\"deviceName\":\"raw\",\"deviceModel\":\"raw\"}]");
            assertThat(ws.nextText()).startsWith("42[\"authenticated\",{\"success\":true");
        }
    }

    @Test
    @DisplayName("the closes are counted in /metrics by reason")
    void closesAreCounted() throws Exception {
        try (Socket silent = connect()) {
            readUntilClosed(silent, CLOSED_WITHIN_MS);
        }
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(relay.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("relay_http_connections_closed_total\\{reason=\"header_timeout\"} [1-9]")
                .containsPattern("(?m)^relay_http_connections [1-9]");
    }

    // ---- raw HTTP ----

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", URI.create(relay.url()).getPort());
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** A connection that the node answers: closed ones (the cap's slots come back on the node's event loop, a moment after a close) are retried. */
    private Socket connectWhenAdmitted() throws Exception {
        long giveUpAt = System.currentTimeMillis() + CLOSED_WITHIN_MS;
        while (true) {
            Socket socket = connect();
            try {
                socket.getOutputStream().write(requestBytes("/health/live"));
                String answer = readResponse(socket);
                if (answer.startsWith("HTTP/1.1 200")) {
                    return socket;
                }
            } catch (IOException closed) {
                // refused at accept
            }
            socket.close();
            assertThat(System.currentTimeMillis()).as("a connection is admitted again").isLessThan(giveUpAt);
            Thread.sleep(100);
        }
    }

    private static byte[] requestBytes(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: relay\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends a GET on a kept-alive connection and reads one response (head and a Content-Length body). */
    private static String request(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(requestBytes(path));
        return readResponse(socket);
    }

    private static String readResponse(Socket socket) throws IOException {
        socket.setSoTimeout(CLOSED_WITHIN_MS);
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.length() + " bytes: " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
        byte[] body = in.readNBytes(bodyLength);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    /** Reads until the node closes the connection (or resets it); fails if it is still open after {@code withinMs}. */
    private static String readUntilClosed(Socket socket, int withinMs) throws IOException {
        socket.setSoTimeout(withinMs);
        StringBuilder got = new StringBuilder();
        try {
            InputStream in = socket.getInputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                got.append((char) b);
            }
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the node did not close the connection within " + withinMs + " ms; it sent: " + got);
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
        return got.toString();
    }

    /** Upgrades a raw connection to a Socket.IO WebSocket (101 read). */
    private static RawWebSocket upgrade(Socket socket) throws IOException {
        return RawWebSocket.upgrade(socket, "/socket.io/?EIO=4&transport=websocket");
    }
}
