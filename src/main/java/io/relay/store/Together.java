package io.relay.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes of several kinds that one phone event needs committed together (a conversation list and its log
 * entry; a status, the command it settles and its log entry): one write to the {@link GroupCommit}, so its
 * parts always share a flush, hence a transaction, and the caller waits for one commit instead of one per
 * part. It answers with the outcome of its first part, or the first failure among its parts.
 */
final class Together<T> extends Write<T> {
    private final Write<T> answering;
    private final List<Write<?>> parts;

    Together(Write<T> answering, List<Write<?>> others) {
        this.answering = answering;
        this.parts = new ArrayList<>(others.size() + 1);
        parts.add(answering);
        parts.addAll(others);
    }

    @Override
    Kind kind() {
        return answering.kind();
    }

    @Override
    int rows() {
        int rows = 0;
        for (Write<?> part : parts) {
            rows += part.rows();
        }
        return rows;
    }

    @Override
    List<Write<?>> parts() {
        return parts;
    }

    @Override
    T staged() {
        return answering.staged();
    }

    @Override
    Throwable stagedFailure() {
        Throwable own = super.stagedFailure();
        if (own != null) {
            return own;
        }
        for (Write<?> part : parts) {
            if (part.stagedFailure() != null) {
                return part.stagedFailure();
            }
        }
        return null;
    }
}
