package io.relay.relay;

/**
 * Failure codes carried by {@code Message.fail(code, text)} across the event bus. Callers branch on
 * {@code ReplyException.failureType()} first ({@code NO_HANDLERS}, {@code TIMEOUT},
 * {@code RECIPIENT_FAILURE}) and then on these codes.
 */
public final class FailureCodes {
    private FailureCodes() {
    }

    /** The request was malformed (missing or wrongly typed fields). Not worth retrying. */
    public static final int BAD_REQUEST = 400;
    /** The thing asked for does not exist (or no longer does). */
    public static final int NOT_FOUND = 404;
    /** The database could not be reached or refused the statement; the caller may retry. */
    public static final int STORAGE_UNAVAILABLE = 503;
    /** Anything else that went wrong inside the recipient. */
    public static final int INTERNAL = 500;
}
