package io.relay.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client side of RFC 6455 on a raw TCP socket, byte by byte: what a hostile client can send and
 * a library would not (fragments of any size, text frames that are not UTF-8), and what the server
 * really answers (close codes).
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 1, BINARY = 2, CONTINUATION = 0, CLOSE = 8, PING = 9, PONG = 10;
    private static final int READ_TIMEOUT_MS = 30_000;
    private static final byte[] MASK = {0x12, 0x34, 0x56, 0x78};

    private final Socket socket;
    private final InputStream in;

    /** A message or a close, as read. */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame (1005, "none", when it carries none). */
        int closeCode() {
            assertThat(opcode).as("a close frame").isEqualTo(CLOSE);
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        socket.setSoTimeout(READ_TIMEOUT_MS);
    }

    /** Upgrades an open TCP connection ({@code path} on the node); the 101 answer is read. */
    static RawWebSocket upgrade(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(READ_TIMEOUT_MS);
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = socket.getInputStream().read();
            if (b < 0) {
                throw new IOException("closed during the upgrade: " + head);
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return new RawWebSocket(socket);
    }

    /** A Socket.IO connection: a new socket, the upgrade, the Engine.IO open packet and the default namespace joined. */
    static RawWebSocket socketIo(int port) throws IOException {
        RawWebSocket ws = upgrade(new Socket("127.0.0.1", port), "/socket.io/?EIO=4&transport=websocket");
        assertThat(ws.nextText()).as("Engine.IO open packet").startsWith("0{\"sid\"");
        ws.sendText("40");
        assertThat(ws.nextText()).as("Socket.IO connect answer").startsWith("40{\"sid\"");
        return ws;
    }

    void sendText(String text) throws IOException {
        send(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** One frame, masked as a client must, with any opcode, FIN bit and payload. */
    void send(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.writeBytes(header(opcode, fin, payload.length));
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ MASK[i & 3]);
        }
        socket.getOutputStream().write(frame.toByteArray());
    }

    /** Only the header of a final frame that says {@code length} bytes follow; they are sent with {@link #sendBytes}. */
    void startFrame(int opcode, long length) throws IOException {
        socket.getOutputStream().write(header(opcode, true, length));
    }

    /** Bytes as they are, such as part of a frame begun with {@link #startFrame}. */
    void sendBytes(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
    }

    private static byte[] header(int opcode, boolean fin, long length) {
        ByteArrayOutputStream header = new ByteArrayOutputStream(14);
        header.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            header.write(0x80 | (int) length);
        } else if (length < 65536) {
            header.write(0x80 | 126);
            header.write((int) (length >>> 8));
            header.write((int) (length & 0xFF));
        } else {
            header.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                header.write((int) (length >>> shift) & 0xFF);
            }
        }
        header.writeBytes(MASK);
        return header.toByteArray();
    }

    /** The next frame the server sends (its frames are unmasked). */
    Frame next() throws IOException {
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0) {
            throw new IOException("the connection closed without a close frame");
        }
        long length = second & 0x7F;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | in.read();
            }
        }
        return new Frame(first & 0x0F, in.readNBytes((int) length));
    }

    /** The next text message that is not an Engine.IO ping (pings are answered, as a client does). */
    String nextText() throws IOException {
        while (true) {
            Frame frame = next();
            assertThat(frame.opcode()).as("a text frame, got %s", frame.opcode() == CLOSE ? "close " + frame.closeCode() : frame.opcode())
                    .isEqualTo(TEXT);
            if (!"2".equals(frame.text())) {
                return frame.text();
            }
            sendText("3");
        }
    }

    /** Reads past text messages to the server's close frame and answers its code. */
    int closeCode() throws IOException {
        while (true) {
            Frame frame = next();
            if (frame.opcode() == CLOSE) {
                return frame.closeCode();
            }
        }
    }

    /** True when the server closes the TCP connection within {@code millis}, with nothing more sent. */
    boolean endsWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(READ_TIMEOUT_MS);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
