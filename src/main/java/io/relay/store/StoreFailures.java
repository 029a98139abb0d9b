package io.relay.store;

import io.relay.vocabulary.FailureReason;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** Sorts what went wrong inside the persistence verticle into a {@link FailureReason}: invalid data, storage unavailable or internal. */
final class StoreFailures {
    private StoreFailures() {
    }

    /** A request the verticle refuses before touching the database. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** A log append whose sequence epoch is no longer its device's (taken over), or whose device has no row. */
    static final class Superseded extends RuntimeException {
        Superseded(String message) {
            super(message, null, false, false);
        }
    }

    static FailureReason reason(Throwable error) {
        if (error instanceof BadRequest) {
            return FailureReason.INVALID_DATA;
        }
        if (error instanceof Superseded) {
            return FailureReason.SUPERSEDED;
        }
        if (error instanceof PgException pg && pg.getSqlState() != null) {
            return reasonOfSqlState(pg.getSqlState());
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            // Connect refused/timed out, socket closed, pool wait timed out: the database is not there.
            if (t instanceof IOException || t instanceof ClosedConnectionException || t instanceof TimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return FailureReason.STORAGE_UNAVAILABLE;
            }
        }
        return FailureReason.INTERNAL;
    }

    private static FailureReason reasonOfSqlState(String state) {
        return switch (state.substring(0, 2)) {
            // data exception (bad encoding, out of range), integrity constraint violation
            case "22", "23" -> FailureReason.INVALID_DATA;
            // connection exception, insufficient resources, operator intervention (shutdown),
            // invalid authorisation, transaction rollback (serialisation, deadlock): retry later
            case "08", "53", "57", "28", "40" -> FailureReason.STORAGE_UNAVAILABLE;
            default -> FailureReason.INTERNAL;
        };
    }

    /**
     * Text for the failure reply, which may end up in front of a client: our own words for a request
     * refused before the database, a fixed phrase for anything else. The database's own message (which
     * quotes encodings, constraint names, sometimes values) stays in the log, see {@link #detail}.
     */
    static String text(Throwable error) {
        if (error instanceof BadRequest || error instanceof Superseded) {
            return error.getMessage();
        }
        return switch (reason(error)) {
            case INVALID_DATA -> "refused by the database";
            case STORAGE_UNAVAILABLE -> "storage unavailable";
            default -> "storage failed";
        };
    }

    /** What went wrong, for the log only: the cause's message and, from PostgreSQL, its SQLSTATE. */
    static String detail(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return error instanceof PgException pg && pg.getSqlState() != null && !message.contains(pg.getSqlState())
                ? message + " (" + pg.getSqlState() + ")"
                : message;
    }
}
