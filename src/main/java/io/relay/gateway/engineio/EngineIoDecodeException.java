package io.relay.gateway.engineio;

/**
 * A frame or polling payload that is not valid Engine.IO v4. The message names the defect, never the
 * payload, so it is safe to log.
 */
public final class EngineIoDecodeException extends Exception {

    public EngineIoDecodeException(String message) {
        // No stack trace: malformed input is an expected, client-caused event on a hot path.
        super(message, null, false, false);
    }
}
