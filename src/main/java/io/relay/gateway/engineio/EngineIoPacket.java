package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;

/**
 * One decoded Engine.IO packet.
 *
 * @param type   one of the {@code EngineIoCodec.*} type characters
 * @param data   text data after the type character ("" when none); null for a binary message
 * @param binary the payload of a binary message; null for text packets
 */
public record EngineIoPacket(char type, String data, Buffer binary) {

    public boolean isBinary() {
        return binary != null;
    }
}
