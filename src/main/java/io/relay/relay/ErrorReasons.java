package io.relay.relay;

import io.relay.pairing.PairingException;
import io.relay.store.StoreException;

import java.util.Locale;

/**
 * The {@code reason} label of {@code relay_errors_total}: why a client event was refused or failed,
 * from a small fixed set (never the client's input).
 */
final class ErrorReasons {
    static final String FLOOD = "flood";
    /** A connection closed for not registering or authenticating in time. */
    static final String IDENTIFY_TIMEOUT = "identify_timeout";

    private ErrorReasons() {
    }

    static String of(Throwable failure) {
        if (failure instanceof EventRejected rejected) {
            String message = rejected.getMessage();
            if (PhoneSessions.NOT_CONNECTED.equals(message)) {
                return "phone_not_connected";
            }
            if (message.startsWith("Mobile device did not answer")) {
                return "phone_timeout";
            }
            if (message.startsWith("Could not reach")) {
                return "phone_unreachable";
            }
            if (message.startsWith("Device not registered")) {
                return "not_registered";
            }
            if (message.startsWith("Not authenticated")) {
                return "not_authenticated";
            }
            if (message.startsWith("Unknown event")) {
                return "unknown_event";
            }
            if (message.startsWith("Too many events")) {
                return FLOOD;
            }
            return "bad_request";
        }
        if (failure instanceof PairingException pairing) {
            return pairing.reason().name().toLowerCase(Locale.ROOT);
        }
        if (failure instanceof StoreException store) {
            return store.code() == FailureCodes.BAD_REQUEST ? "invalid_data" : "storage_unavailable";
        }
        return "internal";
    }
}
