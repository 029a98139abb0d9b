package io.relay.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * The writes of one kind within a flush, stored by one statement. {@link #execute} stages every write's
 * outcome and answers nobody: the flush answers them once the statement's transaction committed.
 */
abstract class WriteBatch {
    final List<Write<?>> writes;

    WriteBatch(List<Write<?>> writes) {
        this.writes = writes;
    }

    /** Runs the one statement for {@link #writes} on {@code client}; fails when the statement fails. */
    abstract Future<Void> execute(SqlClient client);

    /** After the commit: upkeep that nobody waits for (pruning the event log). */
    void committed(Pool pool) {
    }

    /** A tuple of column arrays, one parameter each ({@code Tuple.of} would spread a lone second array into its values). */
    static Tuple arrays(Object... columns) {
        Tuple tuple = Tuple.tuple();
        for (Object column : columns) {
            tuple.addValue(column);
        }
        return tuple;
    }

    static WriteBatch of(Write.Kind kind, List<Write<?>> writes) {
        return switch (kind) {
            case MESSAGES -> new MessageWrites.Batch(writes);
            case CONVERSATIONS -> new ConversationWrites.Batch(writes);
            case STATUSES -> new StatusWrites.Batch(writes);
            case OUTBOX_ENQUEUE -> new OutboxWrites.EnqueueBatch(writes);
            case OUTBOX_DELIVER -> new OutboxWrites.DeliverBatch(writes);
            case OUTBOX_CLAIM -> new OutboxWrites.ClaimBatch(writes);
            case OUTBOX_CONFIRM -> new OutboxWrites.ConfirmBatch(writes);
            case SEQ_RELEASE -> new SequenceWrites.ReleaseBatch(writes);
        };
    }
}
