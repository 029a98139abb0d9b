package io.relay.store;

/** A storage operation failed; {@link #code()} is one of {@link io.relay.relay.FailureCodes}. */
public final class StoreException extends RuntimeException {
    private final int code;

    public StoreException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
