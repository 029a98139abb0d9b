package io.relay.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A phone's sequence given back as its connection goes (see {@link Store#releaseSeq}): every release of a flush in
 * one statement. Batched rather than sent on its own because releases come in crowds: a node that drains, or one
 * that loses its network, lets all of its phones go at once, and each release is a device row's update and a
 * commit of its own when sent alone.
 */
final class SequenceWrites {
    private SequenceWrites() {
    }

    /** The holder of {@code epoch} gives back what it reserved past {@code lastHandedOut}. */
    static final class Release extends Write<Void> {
        final String deviceId;
        final long epoch;
        final long lastHandedOut;

        Release(String deviceId, long epoch, long lastHandedOut) {
            this.deviceId = deviceId;
            this.epoch = epoch;
            this.lastHandedOut = lastHandedOut;
        }

        @Override
        Kind kind() {
            return Kind.SEQ_RELEASE;
        }
    }

    static final class ReleaseBatch extends WriteBatch {
        ReleaseBatch(List<Write<?>> writes) {
            super(writes);
        }

        @Override
        Future<Void> execute(SqlClient client) {
            // An UPDATE joining one row twice applies only one of them: of one holder's releases, the highest
            // number handed out stands (a lower one would give back numbers a stored event already carries).
            Map<String, Release> highest = new LinkedHashMap<>();
            for (Write<?> w : writes) {
                Release r = (Release) w;
                highest.merge(r.deviceId + '\u0000' + r.epoch, r, (a, b) -> a.lastHandedOut >= b.lastHandedOut ? a : b);
            }
            int n = highest.size();
            String[] devices = new String[n];
            Long[] epochs = new Long[n], lasts = new Long[n];
            int i = 0;
            for (Release r : highest.values()) {
                devices[i] = r.deviceId;
                epochs[i] = r.epoch;
                lasts[i] = r.lastHandedOut;
                i++;
            }
            return client.preparedQuery(StoreSql.RELEASE_SEQS).execute(WriteBatch.arrays(devices, epochs, lasts)).map(done -> {
                writes.forEach(w -> ((Release) w).stage(null));
                return null;
            });
        }
    }
}
