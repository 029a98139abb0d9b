package io.relay.pairing;

/**
 * A pairing or session operation was refused. The REST layer maps {@link #reason()} to a status
 * code and a fixed message; the message never echoes client input, tokens or secrets.
 */
public final class PairingException extends RuntimeException {

    /** Why the operation was refused; each maps to one HTTP status in {@link PairingRoutes}. */
    public enum Reason {
        /** The request was malformed: a token missing, of the wrong type or not shaped like one. */
        BAD_REQUEST,
        /** The scanned QR is not one of ours, has expired or was already used. */
        INVALID_QR,
        /** No pairing exists for that waiter token (never generated, or purged). */
        UNKNOWN_TOKEN,
        /** The QR expired before a phone scanned it. */
        TIMEOUT,
        /** The session token is not valid: bad signature or claims, expired, revoked or unknown. */
        INVALID_SESSION,
        /**
         * The pairing's session was already handed to a browser (a wait-pairing answered it): it is
         * handed out once, so a second long-poll, or anyone who learnt the token, gets nothing.
         */
        ALREADY_COLLECTED,
        /** The caller stopped waiting (the HTTP client went away). */
        CANCELLED
    }

    private final Reason reason;

    public PairingException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
