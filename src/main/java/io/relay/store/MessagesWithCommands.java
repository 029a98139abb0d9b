package io.relay.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * A flush of phones' events and browsers' commands for online phones, and nothing else, stored by one statement
 * ({@link StoreSql#APPEND_MESSAGES_AND_DELIVER_COMMANDS}) rather than a transaction of two. It is the flush a busy
 * node sends most (browsers send while phones do), and on the wire the transaction costs four exchanges with the
 * database (BEGIN, each statement, COMMIT), each a send and a wake-up at both ends; the one statement costs one,
 * and commits on its own. The two parts write tables the other does not (devices, messages and device_events; the
 * outbox), so that they share one snapshot changes nothing. Stages every write's outcome, as each kind's statement
 * would.
 */
final class MessagesWithCommands {
    private MessagesWithCommands() {
    }

    /** True when {@code batches} are exactly the two kinds this stores together. */
    static boolean fits(List<WriteBatch> batches) {
        return batches.size() == 2 && batches.get(0) instanceof MessageWrites.Batch
                && batches.get(1) instanceof OutboxWrites.DeliverBatch;
    }

    /** Runs the one statement for {@code batches} (which {@link #fits}); fails when it fails. */
    static Future<Void> execute(SqlClient client, List<WriteBatch> batches) {
        MessageWrites.Batch messages = (MessageWrites.Batch) batches.get(0);
        OutboxWrites.DeliverBatch commands = (OutboxWrites.DeliverBatch) batches.get(1);
        return client.preparedQuery(StoreSql.APPEND_MESSAGES_AND_DELIVER_COMMANDS)
                .execute(commands.parameters(messages.parameters(Tuple.tuple())))
                .map(rows -> {
                    // A command's row has its key; a phone's (device, epoch) has none.
                    List<Row> bumped = new ArrayList<>(), delivered = new ArrayList<>();
                    for (Row row : rows) {
                        (row.getString("key") == null ? bumped : delivered).add(row);
                    }
                    messages.settle(bumped);
                    commands.settle(delivered);
                    return null;
                });
    }
}
