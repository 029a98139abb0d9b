package io.relay.gateway.socketio;

/**
 * A Socket.IO packet that is not valid protocol 5 (bad JSON, wrong payload shape, unknown type, bad
 * attachments...). The message names the defect, never the payload, so it is safe to log.
 */
public final class SocketIoDecodeException extends Exception {

    public SocketIoDecodeException(String message) {
        // No stack trace: malformed input is an expected, client-caused event.
        super(message, null, false, false);
    }
}
