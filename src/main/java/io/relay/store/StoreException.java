package io.relay.store;

import io.relay.vocabulary.FailureReason;

/**
 * A storage operation failed, for the {@link #reason()}: {@link FailureReason#INVALID_DATA} (refused, do not
 * retry), {@link FailureReason#STORAGE_UNAVAILABLE} (the database is not there for now) or
 * {@link FailureReason#INTERNAL}.
 */
public final class StoreException extends RuntimeException {
    private final FailureReason reason;

    public StoreException(FailureReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }
}
