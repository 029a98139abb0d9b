package io.relay.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which commits wait for their WAL to reach the disk. PostgreSQL commits a transaction as the
 * {@code synchronous_commit} in force when it commits says, so each statement below runs in a transaction of its
 * own here, and the setting is read before that transaction ends and after.
 */
class CommitDurabilityTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("A pairing's writes (its QR code's row, the redeem's device and session, the mark that the session was "
            + "handed out) commit without waiting for the disk; a phone's register, and every other transaction of the "
            + "connection, wait for it")
    void onlyRetryableWritesAreUnhurried() throws Exception {
        UUID token = UUID.randomUUID();
        try (Connection c = storage.connect()) {
            c.setAutoCommit(false);
            assertThat(commitMode(c, StoreSql.CREATE_PAIRING_TOKEN, token, UUID.randomUUID(), new byte[] {1, 2, 3},
                    OffsetDateTime.now().plusMinutes(5)))
                    .as("creating a QR code").isEqualTo("off");
            assertThat(setting(c)).as("the next transaction").isEqualTo("on");
            assertThat(commitMode(c, StoreSql.REDEEM_PAIRING_TOKEN, new byte[] {1, 2, 3}, "phone-1", UUID.randomUUID(),
                    OffsetDateTime.now().plusDays(30)))
                    .as("redeeming it: a device and its session").isEqualTo("off");
            assertThat(setting(c)).as("the next transaction").isEqualTo("on");
            assertThat(commitMode(c, StoreSql.CLAIM_PAIRING_SESSION, token)).as("handing the session out").isEqualTo("off");
            assertThat(setting(c)).as("the next transaction").isEqualTo("on");
            // The take-over's epoch and reserved numbers must outlive a crash: numbers relayed live are never given twice.
            assertThat(commitMode(c, StoreSql.TAKE_OVER_SEQ, "phone-2", "Pixel", "Pixel 8", 100))
                    .as("a phone's register: its device row and its sequence taken over").isEqualTo("on");
        }
    }

    /** Runs {@code sql} with {@code args} (as literals: a statement may name a parameter twice), reads the setting its transaction will commit with, and commits. */
    private static String commitMode(Connection c, String sql, Object... args) throws Exception {
        String literal = sql;
        for (int i = args.length; i >= 1; i--) {
            Object arg = args[i - 1];
            String text = arg instanceof byte[] bytes ? "\\x" + HexFormat.of().formatHex(bytes) : arg.toString();
            literal = literal.replace("$" + i, "'" + text + "'");
        }
        try (Statement statement = c.createStatement()) {
            statement.execute(literal);
        }
        String mode = setting(c);
        c.commit();
        return mode;
    }

    private static String setting(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
