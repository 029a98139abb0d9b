package io.relay.store;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Stores one flush of the {@link GroupCommit}: one statement per kind of write, and when there are several
 * kinds, all of them in one transaction sent down one connection at once (BEGIN, the statements, COMMIT,
 * pipelined: one round trip and one commit), apart from the commonest pair, phones' events and browsers' commands
 * for online phones, which one statement stores ({@link MessagesWithCommands}). Stages every write's outcome and
 * answers nobody.
 *
 * <p>When the database refuses a flush for its data (a value PostgreSQL cannot store), the kinds are tried
 * again one by one, and a kind that fails alone write by write, in arrival order: only the bad write fails.
 * When it fails because storage is unavailable (connection lost, shut down, timed out), every write of the
 * flush fails with that error at once, without retries that could only fail the same way.
 */
final class Flush {
    private final Pool pool;

    Flush(Pool pool) {
        this.pool = pool;
    }

    /** Stores {@code writes} and stages each one's outcome; never fails. */
    Future<Void> run(List<Write<?>> writes) {
        List<WriteBatch> batches = batches(writes);
        return execute(batches).transform(ar -> {
            if (ar.succeeded()) {
                batches.forEach(b -> b.committed(pool));
                return Future.succeededFuture();
            }
            Throwable error = ar.cause();
            if (writes.size() == 1 || StoreFailures.reason(error) == FailureReason.STORAGE_UNAVAILABLE) {
                writes.forEach(w -> w.stageFailure(error));
                return Future.succeededFuture();
            }
            List<List<Write<?>>> parts = new ArrayList<>();
            if (batches.size() > 1 && writes.stream().allMatch(w -> w.parts().size() == 1)) {
                batches.forEach(b -> parts.add(b.writes));
            } else { // write by write, so the parts of a write stored together stay in one transaction
                writes.forEach(w -> parts.add(List.of(w)));
            }
            Future<Void> retried = Future.succeededFuture();
            for (List<Write<?>> part : parts) {
                retried = retried.compose(v -> run(part));
            }
            return retried;
        });
    }

    private static List<WriteBatch> batches(List<Write<?>> writes) {
        Map<Write.Kind, List<Write<?>>> byKind = new EnumMap<>(Write.Kind.class);
        for (Write<?> w : writes) {
            for (Write<?> part : w.parts()) {
                byKind.computeIfAbsent(part.kind(), k -> new ArrayList<>()).add(part);
            }
        }
        List<WriteBatch> batches = new ArrayList<>(byKind.size());
        byKind.forEach((kind, list) -> batches.add(WriteBatch.of(kind, list)));
        return batches;
    }

    private Future<Void> execute(List<WriteBatch> batches) {
        if (batches.size() == 1) {
            return batches.get(0).execute(pool); // one statement commits on its own
        }
        if (MessagesWithCommands.fits(batches)) {
            return MessagesWithCommands.execute(pool, batches); // so does this one, for both kinds
        }
        return pool.withConnection(conn -> {
            // Sent without waiting for each other: the client pipelines them on the connection. A statement
            // that fails aborts the transaction, the ones after it fail too, and COMMIT then rolls back.
            List<Future<?>> steps = new ArrayList<>(batches.size() + 2);
            steps.add(conn.query("BEGIN").execute());
            batches.forEach(b -> steps.add(b.execute(conn)));
            steps.add(conn.query("COMMIT").execute());
            return Future.join(steps).transform(ar -> {
                for (Future<?> step : steps) {
                    if (step.failed()) {
                        return Future.failedFuture(step.cause()); // the first failure is the cause; later ones say "aborted"
                    }
                }
                return Future.<Void>succeededFuture();
            });
        });
    }
}
