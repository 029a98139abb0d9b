package io.relay.routing;

import io.relay.pairing.PairingException;
import io.relay.store.StoreException;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.json.JsonObject;

/**
 * What a client is told when its event is refused or fails: the {@link FailureReason} of the failure
 * (the {@code reason} label of {@code relay_errors_total}), sent as {@code code} and {@code retryable}
 * in a failing ack and in the {@code error} event.
 */
final class ClientErrors {
    private ClientErrors() {
    }

    static FailureReason reasonOf(Throwable failure) {
        if (failure instanceof EventRejected rejected) {
            return rejected.reason();
        }
        if (failure instanceof PairingException pairing) {
            return pairing.reason();
        }
        if (failure instanceof StoreException store) {
            // To a client, a storage failure that is not its data's is one of the moment: sending the same
            // event again is safe (stored events are idempotent) and may find the database back.
            return store.reason() == FailureReason.INVALID_DATA ? FailureReason.INVALID_DATA : FailureReason.STORAGE_UNAVAILABLE;
        }
        return FailureReason.INTERNAL;
    }

    /** The machine-readable part of a refusal, added to the ack and to the {@code error} event. */
    static JsonObject describe(JsonObject into, FailureReason reason) {
        return into.put("code", reason.code()).put("retryable", reason.retryable());
    }
}
