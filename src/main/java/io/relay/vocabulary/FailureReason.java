package io.relay.vocabulary;

/**
 * Why something the relay was asked to do failed, from a fixed set. A failure carries one of these (never
 * text to be matched); its {@link #code()} is what a client reads as {@code code} in a failing ack and in
 * the {@code error} event, next to {@link #retryable()}, and the {@code reason} label of
 * {@code relay_errors_total}. The codes are part of the wire contract: clients in the field branch on them.
 */
public enum FailureReason {
    /** The event or request was malformed: a field missing, of the wrong type, too long, or contradictory. */
    BAD_REQUEST("bad_request", false),
    /** Storage refused what validation let through (a gap in validation, not the client's to read). */
    INVALID_DATA("invalid_data", false),
    /** A phone's event on a socket that has not sent {@code mobile:register} (as that device). */
    NOT_REGISTERED("not_registered", false),
    /** A browser's event on a socket that has not sent {@code web:authenticate}. */
    NOT_AUTHENTICATED("not_authenticated", false),
    /** An event name the contract does not have. */
    UNKNOWN_EVENT("unknown_event", false),
    /** Too many events of one socket waiting to be handled. */
    FLOOD("flood", true),
    /** Past the socket's event rate. */
    RATE_LIMITED("rate_limited", true),
    /** The database could not be reached, refused for now, or did not answer in time. */
    STORAGE_UNAVAILABLE("storage_unavailable", true),
    /**
     * A phone event on a connection whose numbering a newer connection of the same phone took over (the
     * phone reconnected): not stored; send it again on the current connection.
     */
    SUPERSEDED("superseded", true),
    /** Anything else that went wrong inside the relay. */
    INTERNAL("internal", false),
    /** A connection closed for not registering or authenticating in time. */
    IDENTIFY_TIMEOUT("identify_timeout", false),
    /** A registered phone's connection closed because no browser was paired with its device in time. */
    UNPAIRED_TIMEOUT("unpaired_timeout", false),
    /** A binary Socket.IO packet where none is accepted; the connection is closed. */
    BINARY_REFUSED("binary_refused", false),
    /** Too many attachments, too many bytes of them, or too slow to finish the packet; the connection is closed. */
    ATTACHMENTS_OVER_LIMIT("attachments_over_limit", false),
    /** The scanned QR is not one of ours, has expired or was already used. */
    INVALID_QR("invalid_qr", false),
    /** The session token is not valid: bad signature or claims, expired, revoked or unknown. */
    INVALID_SESSION("invalid_session", false),
    /** No pairing exists for that waiter token (never generated, or purged). REST only. */
    UNKNOWN_TOKEN("unknown_token", false),
    /** The QR expired before a phone scanned it. REST only. */
    PAIRING_TIMEOUT("pairing_timeout", false),
    /**
     * The pairing's session was already handed to a browser (a wait-pairing answered it): it is handed out
     * once, so a second long-poll, or anyone who learnt the token, gets nothing. REST only.
     */
    ALREADY_COLLECTED("already_collected", false),
    /** The caller stopped waiting (the HTTP client went away); nobody is answered. */
    CANCELLED("cancelled", false);

    private final String code;
    private final boolean retryable;

    FailureReason(String code, boolean retryable) {
        this.code = code;
        this.retryable = retryable;
    }

    /** Stable, lowercase: the {@code code} a client sees and the metric label. */
    public String code() {
        return code;
    }

    /**
     * Whether it is a failure of the moment, not of the request: the same request sent again later may
     * succeed (after a pause: the database may be back, the socket's queue drained). Anything else would
     * fail the same way again.
     */
    public boolean retryable() {
        return retryable;
    }
}
