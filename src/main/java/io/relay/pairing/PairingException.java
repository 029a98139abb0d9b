package io.relay.pairing;

import io.relay.vocabulary.FailureReason;

/**
 * A pairing or session operation was refused, for one of the pairing {@link FailureReason}s
 * ({@code BAD_REQUEST}, {@code INVALID_QR}, {@code UNKNOWN_TOKEN}, {@code PAIRING_TIMEOUT},
 * {@code INVALID_SESSION}, {@code ALREADY_COLLECTED}, {@code CANCELLED}). The REST layer maps the reason
 * to a status code and a fixed message; the message never echoes client input, tokens or secrets.
 */
public final class PairingException extends RuntimeException {
    private final FailureReason reason;

    public PairingException(FailureReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }
}
