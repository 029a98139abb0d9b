package io.relay.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's liveness and readiness, answered at {@code /health/live} and {@code /health/ready}.
 *
 * <p>Liveness says the process answers HTTP at all (a failure means "restart me"). Readiness says
 * "send me traffic": every registered check must pass. {@code draining} is built in (the node's flag,
 * set when it starts shutting down); the node adds {@code database}, {@code migrations} and
 * {@code cluster}, and anything else that must hold before a node takes clients registers its own
 * with {@link #readinessCheck} (the same name replaces a check).
 *
 * <p>Every check answers within {@link #CHECK_BUDGET_MS}; a failed or slow check is reported as
 * {@code DOWN} with {@code data.error} saying why, and the endpoint answers 503 with the list of checks
 * (the JSON of vertx-health-check: {@code {"status":"DOWN","checks":[{"id","status","data"}],"outcome"}}).
 */
public final class Health {

    /** Longest a readiness check may take before it counts as failed (probes usually time out at 1 s to a few s). */
    public static final long CHECK_BUDGET_MS = 2_000;

    private final HealthChecks liveness;
    private final HealthChecks readiness;

    /** @param draining true once the node started shutting down (readiness fails from then on) */
    public Health(Vertx vertx, BooleanSupplier draining) {
        this.liveness = HealthChecks.create(vertx);
        this.readiness = HealthChecks.create(vertx);
        liveness.register("event-loop", promise -> promise.complete(Status.OK()));
        readiness.register("draining", promise -> promise.complete(draining.getAsBoolean()
                ? Status.KO(new JsonObject().put("error", "node is draining before shutdown"))
                : Status.OK()));
    }

    /**
     * Adds (or replaces) a readiness check: {@code UP} with the check's data when its Future succeeds
     * within the budget, {@code DOWN} with {@code {"error": message}} otherwise.
     */
    public Health readinessCheck(String name, Supplier<Future<JsonObject>> check) {
        readiness.unregister(name);
        readiness.register(name, promise -> {
            Future<JsonObject> result;
            try {
                result = check.get();
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.timeout(CHECK_BUDGET_MS, TimeUnit.MILLISECONDS).onComplete(ar -> promise.complete(ar.succeeded()
                    ? (ar.result() == null ? Status.OK() : Status.OK(ar.result()))
                    : Status.KO(new JsonObject().put("error", describe(ar.cause())))));
        });
        return this;
    }

    HealthCheckHandler livenessHandler() {
        return HealthCheckHandler.createWithHealthChecks(liveness);
    }

    HealthCheckHandler readinessHandler() {
        return HealthCheckHandler.createWithHealthChecks(readiness);
    }

    /** The failure's message for the health JSON: a class name when there is no message, never a stack trace. */
    private static String describe(Throwable cause) {
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "no answer within " + CHECK_BUDGET_MS + " ms";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
