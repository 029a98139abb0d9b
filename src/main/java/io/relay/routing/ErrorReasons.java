package io.relay.routing;

import io.relay.relay.FailureCodes;
import io.relay.pairing.PairingException;
import io.relay.store.StoreException;

import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;

/**
 * Why a client event was refused or failed, from a small fixed set (never the client's input): the
 * {@code reason} label of {@code relay_errors_total}, and the {@code code} of a failing ack and of the
 * {@code error} event, next to {@code retryable}.
 */
final class ErrorReasons {
    static final String FLOOD = "flood";
    /** A connection closed for not registering or authenticating in time. */
    static final String IDENTIFY_TIMEOUT = "identify_timeout";
    static final String RATE_LIMITED = "rate_limited";
    /** A registered phone's socket closed because no browser was paired with its device in time. */
    static final String UNPAIRED_TIMEOUT = "unpaired_timeout";
    static final String STORAGE_UNAVAILABLE = "storage_unavailable";

    /**
     * Failures of the moment, not of the event: the same event sent again later may succeed (after a
     * pause: the database or the phone may be back, the socket's queue drained). Anything else would
     * fail the same way again.
     */
    private static final Set<String> RETRYABLE = Set.of(STORAGE_UNAVAILABLE, FLOOD, RATE_LIMITED,
            "phone_not_connected", "phone_timeout", "phone_unreachable");

    private ErrorReasons() {
    }

    static String of(Throwable failure) {
        if (failure instanceof EventRejected rejected) {
            String message = rejected.getMessage();
            if (PhoneRoutes.NOT_CONNECTED.equals(message)) {
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
            return store.code() == FailureCodes.BAD_REQUEST ? "invalid_data" : STORAGE_UNAVAILABLE;
        }
        return "internal";
    }

    static boolean retryable(String reason) {
        return RETRYABLE.contains(reason);
    }

    /** The machine-readable part of a refusal, added to the ack and to the {@code error} event. */
    static JsonObject describe(JsonObject into, String reason) {
        return into.put("code", reason).put("retryable", retryable(reason));
    }
}
