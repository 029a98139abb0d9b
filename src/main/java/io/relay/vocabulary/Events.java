package io.relay.vocabulary;

/**
 * The Socket.IO event names of the wire contract the existing phone and web apps speak. Changing any
 * of these breaks a client in the field.
 */
public final class Events {
    private Events() {
    }

    // phone -> server
    public static final String MOBILE_REGISTER = "mobile:register";
    public static final String MOBILE_SCAN_QR = "mobile:scan-qr";
    public static final String MOBILE_MESSAGES = "mobile:messages";
    public static final String MOBILE_CONVERSATIONS = "mobile:conversations";
    public static final String MOBILE_MESSAGE_STATUS = "mobile:message-status";
    /** Sent by the phone app; the original ignored them and so do we (they are acknowledged). */
    public static final String MESSAGE_SENT = "message:sent";
    public static final String MESSAGE_DELETED = "message:deleted";
    /** Extensions: the phone lists and revokes its paired browsers. */
    public static final String MOBILE_LIST_SESSIONS = "mobile:list-sessions";
    public static final String MOBILE_REVOKE_SESSION = "mobile:revoke-session";

    // web -> server
    public static final String WEB_AUTHENTICATE = "web:authenticate";
    public static final String WEB_SEND_MESSAGE = "web:send-message";
    public static final String WEB_MARK_READ = "web:mark-read";
    public static final String WEB_REQUEST_SYNC = "web:request-sync";

    // server -> phone
    public static final String QR_PAIRED = "qr:paired";
    public static final String SEND_MESSAGE = "send:message";
    public static final String MARK_READ = "mark:read";
    public static final String REQUEST_SYNC = "request:sync";
    /** Extensions: answers to {@code mobile:list-sessions} and {@code mobile:revoke-session}. */
    public static final String SESSIONS_LIST = "sessions:list";
    public static final String SESSIONS_REVOKED = "sessions:revoked";

    // server -> web (the original's "message:new" is deliberately absent: the web app counts each one as
    // one more unread message, and the original never sent it for the phone's events either)
    public static final String MESSAGES_SYNC = "messages:sync";
    public static final String CONVERSATIONS_SYNC = "conversations:sync";
    public static final String MESSAGE_STATUS = "message:status";
    public static final String MOBILE_DISCONNECTED = "mobile:disconnected";
    /**
     * Extension (old web apps ignore it): the phone is connected, sent to its browsers when it
     * registers and to a browser when it authenticates while the phone is online.
     */
    public static final String MOBILE_CONNECTED = "mobile:connected";

    /** Extension: the end of a {@code web:request-sync {since}} replay, {@code {seq}}: the browser is current to seq. */
    public static final String SYNC_COMPLETE = "sync:complete";
    /** Extension: the browser cannot resume from its {@code since}; a full sync from storage follows. */
    public static final String SYNC_RESET = "sync:reset";

    // server -> both
    public static final String AUTHENTICATED = "authenticated";
    public static final String ERROR = "error";
}
